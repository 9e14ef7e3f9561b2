"""The tree passes the pep8 checks (``tox -e pep8`` runs the same ruff rules)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_ruff_is_clean():
    ruff = shutil.which('ruff') or os.path.join(os.path.dirname(sys.executable), 'ruff')
    if not os.path.exists(ruff):
        pytest.fail('ruff is part of the test extra: pip install -e .[test]')
    result = subprocess.run([ruff, 'check', 'magnum_like', 'drivers', 'tests', 'bench', 'tools'],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
