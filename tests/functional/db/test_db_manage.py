"""``magnum-like-db-manage`` as a real process, on SQLite and MariaDB."""
import os
import subprocess
import sys

import pytest

from magnum_like.db import migration
from tests.fixtures import database

SCRIPT = os.path.join(os.path.dirname(sys.executable), 'magnum-like-db-manage')


def _run(config_file, *args):
    result = subprocess.run([SCRIPT, '--config-file', config_file, *args],
                            capture_output=True, text=True, timeout=120, cwd='/')
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _config(tmp_path, **sections):
    path = tmp_path / 'magnum_like.conf'
    lines = []
    for section, options in sections.items():
        lines.append('[%s]' % section)
        lines.extend('%s = %s' % item for item in options.items())
    path.write_text('\n'.join(lines) + '\n')
    return str(path)


def test_upgrade_and_version_on_default_sqlite_creates_state_dir(tmp_path):
    state = tmp_path / 'state' / 'nested'
    config = _config(tmp_path, DEFAULT={'state_path': str(state)})
    assert _run(config, 'version') == 'None'
    _run(config, 'upgrade')
    assert (state / 'magnum_like.sqlite').exists()
    assert _run(config, 'version') == migration.head()


def test_stamp_then_version(tmp_path):
    config = _config(tmp_path, DEFAULT={'state_path': str(tmp_path)})
    _run(config, 'stamp', migration.head())
    assert _run(config, 'version') == migration.head()


@pytest.fixture
def mysql_url():
    url = database.provision_database('mysql')
    yield url
    database.drop_database(url)


def test_upgrade_and_version_on_mariadb(tmp_path, mysql_url):
    config = _config(tmp_path, database={'connection': mysql_url})
    assert _run(config, 'version') == 'None'
    _run(config, 'upgrade', 'head')
    assert _run(config, 'version') == migration.head()
    assert migration.version(url=mysql_url) == migration.head()
