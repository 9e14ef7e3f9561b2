"""Fixtures of every driver test: a Python that has OpenStack Heat."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.fixtures import tool_venv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def _has_heat(python: str) -> bool:
    return subprocess.run([python, '-c', 'import heat.engine'], capture_output=True).returncode == 0


@pytest.fixture(scope='session')
def heat_python() -> str:
    """A Python able to run tools/validate_hot.py.

    Heat is kept out of the project's venv on purpose: its dependency
    neutron-lib registers a flake8 plugin that needs ``hacking`` and breaks
    flake8 there. So unless the running Python already has it, a venv is made
    once under ``.tox/heat`` from upper-constraints.txt (about 40 s) and reused.
    """
    if _has_heat(sys.executable):
        return sys.executable
    return tool_venv.ensure(os.path.join(ROOT, '.tox', 'heat'), ['openstack-heat'], _has_heat)


def validate_bodies(heat_python: str, tmp_path, bodies: dict[str, dict]) -> None:
    """Every body passes ``tools/validate_hot.py`` (one process: Heat is slow to import)."""
    import json
    paths = []
    for name, body in sorted(bodies.items()):
        path = tmp_path / ('%s.json' % name)
        path.write_text(json.dumps(body))
        paths.append(str(path))
    tool = os.path.join(ROOT, 'tools', 'validate_hot.py')
    result = subprocess.run([heat_python, tool] + paths, capture_output=True, text=True,
                            timeout=900)
    lines = [line for line in result.stdout.splitlines() if line.startswith(('VALID', 'INVALID'))]
    invalid = [line for line in lines if not line.startswith('VALID ')]
    assert not invalid, '\n'.join(invalid)
    assert len(lines) == len(paths), result.stdout + result.stderr
    assert result.returncode == 0
