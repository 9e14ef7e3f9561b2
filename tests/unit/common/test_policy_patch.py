"""The policy speed-up (``common/policy.py``) is pinned to oslo.policy.

It replaces the private ``oslo_policy._checks._check``; it is installed by
the API at start-up, not on import. These tests fail when an oslo.policy
release renames that function, changes its signature, stops calling it
through the module (the patch would be dead) or when the patched function
would decide differently from oslo.policy's own.
"""
from __future__ import annotations

import inspect
import subprocess
import sys

import pytest
from oslo_config import cfg
from oslo_policy import _checks as policy_checks
from oslo_policy import policy as oslo_policy

from magnum_like.common import policy

RULES = {
    'reader': 'role:reader',
    'owner': 'project_id:%(project_id)s',
    'both': 'rule:reader and rule:owner',
    'either': 'role:admin or (role:member and user_id:%(user_id)s)',
    'not_admin': 'not role:admin',
    'always': '@',
    'never': '!',
}
CREDS = [
    {'roles': ['reader'], 'project_id': 'p1', 'user_id': 'u1'},
    {'roles': ['member', 'reader'], 'project_id': 'p2', 'user_id': 'u2'},
    {'roles': ['admin'], 'project_id': 'p3', 'user_id': 'u3'},
]
TARGET = {'project_id': 'p1', 'user_id': 'u2'}


@pytest.fixture
def installed():
    policy.install_fast_check()
    yield
    policy.uninstall_fast_check()


def _enforcer() -> oslo_policy.Enforcer:
    conf = cfg.ConfigOpts()
    conf([], project='magnum_like_test')
    enforcer = oslo_policy.Enforcer(conf, use_conf=False)
    enforcer.set_rules(oslo_policy.Rules.from_dict(RULES), overwrite=True, use_conf=False)
    return enforcer


def _decisions() -> dict:
    enforcer = _enforcer()
    return {(rule, index): enforcer.enforce(rule, TARGET, creds)
            for rule in RULES for index, creds in enumerate(CREDS)}


def test_importing_the_module_patches_nothing():
    code = ('from oslo_policy import _checks as c\noriginal = c._check\n'
            'import magnum_like.common.policy\nassert c._check is original\n')
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr


def test_the_api_installs_it():
    from magnum_like.api import app
    try:
        app.setup_app()
        assert policy_checks._check is policy._check
    finally:
        policy.uninstall_fast_check()


def test_oslo_policy_still_has_the_replaced_function():
    assert policy._inspect_check.__module__ == 'oslo_policy._checks'
    assert list(inspect.signature(policy._inspect_check).parameters) == [
        'rule', 'target', 'creds', 'enforcer', 'current_rule']


def test_oslo_policy_evaluates_checks_through_it(installed, monkeypatch):
    """Compound checks and the enforcer look ``_check`` up in the module at each
    call: otherwise replacing it would change nothing."""
    calls = []

    def counting(*args, **kwargs):
        # oslo.policy passes them by position or by name: ours takes both.
        calls.append(kwargs['rule'] if 'rule' in kwargs else args[0])
        return policy._check(*args, **kwargs)
    monkeypatch.setattr(policy_checks, '_check', counting)
    _enforcer().enforce('both', TARGET, CREDS[0])
    kinds = {type(rule).__name__ for rule in calls}
    assert {'AndCheck', 'RoleCheck', 'GenericCheck'} <= kinds, kinds


def test_same_decisions_as_oslo_policy(installed):
    patched = _decisions()
    policy.uninstall_fast_check()
    assert _decisions() == patched
    assert any(patched.values()) and not all(patched.values())


def test_checks_with_and_without_current_rule(installed):
    class Old(policy_checks.Check):
        def __call__(self, target, cred, enforcer):
            return True

    class New(policy_checks.Check):
        def __call__(self, target, cred, enforcer, current_rule=None):
            return current_rule == 'x'

    assert policy_checks._check(Old('old', 'x'), {}, {}, None, 'x') is True
    assert policy_checks._check(New('new', 'x'), {}, {}, None, 'x') is True
    assert policy_checks._check(New('new', 'x'), {}, {}, None, 'y') is False
