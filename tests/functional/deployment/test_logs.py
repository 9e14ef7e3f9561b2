"""The deployment's logs, read after every other test of this folder has run
(pytest collects the folder's files in name order: ``test_logs`` comes after
``test_deployment`` and ``test_health``; keep new files' names before it)."""
from __future__ import annotations


def test_no_tracebacks(deployment):
    """Nothing the tier did left a traceback in any process's log."""
    for name in deployment.log_names():
        text = deployment.log(name)
        assert 'Traceback' not in text, (name, text[text.index('Traceback') - 500:][:3000])


def test_this_file_runs_last():
    """A new test file sorting after this one would escape the traceback check."""
    import pathlib
    names = sorted(p.name for p in pathlib.Path(__file__).parent.glob('test_*.py'))
    assert names[-1] == 'test_logs.py', names
