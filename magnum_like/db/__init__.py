"""The database layer: models, the DB API and schema migrations.

The migrations live at the top of the source tree in ``alembic/`` and install
as ``magnum_like.db.migrations``. An installed wheel has them in place; in a
source checkout (editable install, tests) setuptools' editable finder cannot
map a directory without ``__init__.py`` under a regular package, and an
``alembic/__init__.py`` would shadow the alembic library for anything run from
the repository root. So in a checkout a tiny finder maps the name to the folder.
"""
import importlib.abc
import importlib.machinery
import os
import sys


class _SourceMigrationsFinder(importlib.abc.MetaPathFinder):
    """Resolve ``magnum_like.db.migrations`` to the checkout's ``alembic/``."""

    def __init__(self, name: str, location: str) -> None:
        self.name = name
        self.location = location

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
        spec.submodule_search_locations = [self.location]
        return spec


def _install_source_migrations_finder() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    source = os.path.normpath(os.path.join(here, os.pardir, os.pardir, 'alembic'))
    if os.path.isdir(os.path.join(here, 'migrations')) or not os.path.isfile(
            os.path.join(source, 'env.py')):
        return
    name = __name__ + '.migrations'
    if not any(getattr(f, 'name', None) == name for f in sys.meta_path):
        # Appended: a real package found by the normal finders still wins.
        sys.meta_path.append(_SourceMigrationsFinder(name, source))


_install_source_migrations_finder()
