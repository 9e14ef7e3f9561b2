"""The built wheel carries the migrations as ``magnum_like.db.migrations``."""
import os
import shutil
import subprocess
import sys
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
SOURCES = ('setup.py', 'setup.cfg', 'pyproject.toml', 'README.rst')
PACKAGES = ('magnum_like', 'drivers', 'alembic')


def test_wheel_installs_migrations_where_migration_py_finds_them(tmp_path):
    source = tmp_path / 'src'
    source.mkdir()
    for name in SOURCES:
        shutil.copy(os.path.join(REPO, name), source / name)
    for name in PACKAGES:
        shutil.copytree(os.path.join(REPO, name), source / name,
                        ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation',
                    '-q', '-w', str(tmp_path / 'dist'), str(source)],
                   check=True, capture_output=True, timeout=300)
    wheel, = (tmp_path / 'dist').glob('*.whl')
    target = tmp_path / 'installed'
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(target)
    assert 'magnum_like/db/migrations/env.py' in names
    assert 'magnum_like/db/migrations/script.py.mako' in names
    assert any(n.startswith('magnum_like/db/migrations/versions/') and n.endswith('_initial.py')
               for n in names)
    assert not any(n.startswith('alembic/') for n in names)
    # Every file a driver reads at run time (templates, fragments, nested templates).
    shipped = set(names)
    for folder, _dirs, files in os.walk(os.path.join(REPO, 'drivers')):
        for name in files:
            if name.endswith(('.yaml', '.sh', '.tmpl')):
                relative = os.path.relpath(os.path.join(folder, name), REPO)
                packaged = 'magnum_like/' + relative
                assert packaged in shipped, '%s is not in the wheel' % relative
    code = ('import alembic, magnum_like.db.migration as m; '
            'print(m.script_location()); print(alembic.__file__); print(m.head())')
    out = subprocess.run([sys.executable, '-c', code], cwd=str(target), check=True,
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, 'PYTHONPATH': str(target)}).stdout.split()
    assert out[0] == str(target / 'magnum_like' / 'db' / 'migrations')
    assert 'site-packages' in out[1]
    assert out[2] == 'd6a2f9c4e813'
