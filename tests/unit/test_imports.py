"""What importing the package costs: the client plugin stays light, the service
still runs oslo.service on threads."""
from __future__ import annotations

import subprocess
import sys


def _run(code: str, *, quiet: bool = False) -> str:
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    if quiet:
        assert 'Eventlet is deprecated' not in done.stderr
    return done.stdout.strip()


def test_client_plugin_import_loads_neither_futurist_nor_eventlet():
    # python-openstackclient imports the plugin on every command: loading
    # oslo.service's backend there printed eventlet's deprecation warning each time.
    out = _run('import sys, magnum_like.client.osc, magnum_like.client.federation\n'
               'print(sorted(m for m in ("eventlet", "futurist") if m in sys.modules))', quiet=True)
    assert out == '[]'


def test_oslo_service_backend_is_threading_once_asked():
    out = _run('import magnum_like\n'
               'from oslo_service import backend\n'
               'print(type(backend.get_backend()).__name__)')
    assert out == 'ThreadingBackend'
