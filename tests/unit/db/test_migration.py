"""Migration wrappers, the package mapping, and ``magnum-like-db-manage`` in-process."""
import os
import subprocess
import sys

import alembic
import pytest

from magnum_like.cmd import db_manage
from magnum_like import conf
from magnum_like.db import api as db
from magnum_like.db import migration

CONF = conf.CONF
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


def test_migrations_package_is_importable_and_alembic_is_the_library():
    import magnum_like.db.migrations as migrations
    location = migration.script_location()
    assert location in list(migrations.__path__)
    assert os.path.isfile(os.path.join(location, 'env.py'))
    assert os.path.isfile(os.path.join(location, 'script.py.mako'))
    assert 'site-packages' in alembic.__file__


def test_alembic_from_repo_root_is_the_library():
    out = subprocess.run([sys.executable, '-c', 'import alembic; print(alembic.__file__)'],
                         cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert 'site-packages' in out


def test_single_head():
    assert migration.head() == 'd6a2f9c4e813'


def test_upgrade_creates_sqlite_directory(tmp_path):
    url = 'sqlite:///%s' % (tmp_path / 'a' / 'b' / 'x.sqlite')
    assert migration.version(url=url) is None
    migration.upgrade(url=url)
    assert migration.version(url=url) == migration.head()


def test_stamp(tmp_path):
    url = 'sqlite:///%s' % (tmp_path / 'x.sqlite')
    migration.stamp('head', url=url)
    assert migration.version(url=url) == migration.head()


def test_engine_created_lazily_in_missing_state_dir(tmp_path):
    CONF.set_override('state_path', str(tmp_path / 'state'))
    CONF.set_override('connection', 'sqlite:///%s' % (tmp_path / 'state' / 'db.sqlite'),
                      group='database')
    try:
        db.reset_engine()
        migration.upgrade()
        assert db.get_magnum_service_list() == []
        assert (tmp_path / 'state' / 'db.sqlite').exists()
    finally:
        CONF.clear_override('state_path')
        CONF.clear_override('connection', group='database')
        db.reset_engine()


@pytest.fixture
def cli_conf(tmp_path):
    path = tmp_path / 'ml.conf'
    path.write_text('[database]\nconnection = sqlite:///%s\n' % (tmp_path / 'cli.sqlite'))
    # A command line parsed by an earlier test would refuse the CLI option.
    CONF.clear()
    yield str(path)
    CONF.clear()
    CONF.unregister_opt(db_manage.COMMAND_OPT)


def test_db_manage_in_process(cli_conf, tmp_path, capsys):
    db_manage.main(['magnum-like-db-manage', '--config-file', cli_conf, 'upgrade'])
    CONF.clear()
    db_manage.main(['magnum-like-db-manage', '--config-file', cli_conf, 'version'])
    assert capsys.readouterr().out.strip().splitlines()[-1] == migration.head()
