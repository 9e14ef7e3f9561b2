"""The Swarm-mode and Mesos node scripts pass shellcheck and stay under ~200 lines."""
from __future__ import annotations

import glob
import os

import pytest

from tests.unit.drivers import conftest
from tests.unit.drivers.k8s import test_fragments as k8s_fragments

FOLDERS = ('drivers/heat/common', 'drivers/heat/docker_fedora', 'drivers/swarm_fedora_atomic_v2',
           'drivers/mesos_fedora_atomic_v1')
FRAGMENTS = sorted(path for folder in FOLDERS
                   for path in glob.glob(os.path.join(conftest.ROOT, folder, 'fragments', '*')))
SCRIPTS = [path for path in FRAGMENTS if path.endswith('.sh')]


def test_shellcheck_passes():
    import subprocess
    assert len(SCRIPTS) >= 9
    result = subprocess.run([k8s_fragments._shellcheck(), '-x', '-s', 'bash'] + SCRIPTS,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize('path', FRAGMENTS, ids=lambda p: os.path.relpath(p, conftest.ROOT))
def test_fragment_is_short(path):
    with open(path, encoding='utf-8') as f:
        assert len(f.read().splitlines()) <= k8s_fragments.MAX_LINES
