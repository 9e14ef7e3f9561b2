"""Packaging: metadata lives in setup.cfg; the package list is computed here.

``drivers/`` and ``alembic/`` sit at the top of the source tree (one folder per
driver, migrations where operators expect them) but are installed as
``magnum_like.drivers`` and ``magnum_like.db.migrations``.
"""
import setuptools

packages = setuptools.find_packages(include=['magnum_like', 'magnum_like.*'])
packages += ['magnum_like.drivers'] + [
    'magnum_like.drivers.' + p for p in setuptools.find_packages('drivers')]
packages += ['magnum_like.db.migrations', 'magnum_like.db.migrations.versions']

setuptools.setup(packages=packages)
