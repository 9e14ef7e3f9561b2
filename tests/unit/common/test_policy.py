"""Policy defaults of spec §11 against admin / member / reader / other-project callers."""
from __future__ import annotations

import pytest

from magnum_like.common import context
from magnum_like.common import exception
from magnum_like.common import policies
from magnum_like.common import policy
from magnum_like import conf as ml_conf

CONF = ml_conf.CONF

PROJECT = 'project-a'
OWNER = 'user-owner'

CALLERS = {
    # Keystone's implied roles: admin implies member implies reader.
    'admin': dict(user_id='user-admin', project_id='project-admin',
                  roles=['admin', 'member', 'reader']),
    'owner': dict(user_id=OWNER, project_id=PROJECT, roles=['member', 'reader']),
    'member': dict(user_id='user-member', project_id=PROJECT, roles=['member', 'reader']),
    'reader': dict(user_id='user-reader', project_id=PROJECT, roles=['reader']),
    'owner_reader': dict(user_id=OWNER, project_id=PROJECT, roles=['reader']),
    'other': dict(user_id='user-other', project_id='project-b', roles=['member', 'reader']),
    # The cluster's trustee (its nodes' unscoped token, as api.hooks leaves it:
    # no project, no roles), and another cluster's.
    'trustee': dict(user_id='user-trustee', roles=[], cluster_user='user-trustee'),
    'other_trustee': dict(user_id='user-trustee-b', roles=[], cluster_user='user-trustee-b'),
}
TARGET = {'project_id': PROJECT, 'user_id': OWNER, 'trustee_user_id': 'user-trustee'}

ADMIN = {'admin'}
ADMIN_OR_MEMBER = {'admin', 'owner', 'member'}
ADMIN_OR_READER = {'admin', 'owner', 'member', 'reader', 'owner_reader'}
ADMIN_OR_MEMBER_USER = {'admin', 'owner'}
ADMIN_OR_READER_USER = {'admin', 'owner', 'owner_reader'}
MEMBER = {'owner', 'member'}
TRUSTEE = {'trustee'}

# Spec §11, current defaults: who may do what to TARGET.
EXPECTED = {
    **{f'cluster:{a}': ADMIN_OR_MEMBER for a in ('create', 'delete', 'update', 'resize', 'upgrade')},
    **{f'cluster:{a}': ADMIN_OR_READER for a in ('get_all', 'detail')},
    'cluster:get': ADMIN_OR_READER | TRUSTEE,
    'cluster:update_health_status': ADMIN_OR_MEMBER_USER | TRUSTEE,
    **{f'cluster:{a}_all_projects': ADMIN
       for a in ('get_one', 'get_all', 'detail', 'update', 'delete', 'upgrade')},
    **{f'clustertemplate:{a}': ADMIN_OR_MEMBER for a in ('create', 'update', 'delete')},
    **{f'clustertemplate:{a}': ADMIN_OR_READER for a in ('get', 'get_all', 'detail')},
    'clustertemplate:publish': ADMIN,
    **{f'clustertemplate:{a}_all_projects': ADMIN
       for a in ('get_one', 'get_all', 'detail', 'update', 'delete')},
    **{f'nodegroup:{a}': ADMIN_OR_READER for a in ('get', 'get_all')},
    **{f'nodegroup:{a}': ADMIN_OR_MEMBER for a in ('create', 'update', 'delete')},
    'nodegroup:get_all_all_projects': ADMIN,
    'nodegroup:get_one_all_projects': ADMIN,
    'certificate:create': ADMIN_OR_MEMBER_USER | TRUSTEE,
    'certificate:get': ADMIN_OR_READER_USER | TRUSTEE,
    'certificate:rotate_ca': ADMIN_OR_MEMBER,
    'credential:rotate': MEMBER,
    **{f'quota:{a}': ADMIN for a in ('create', 'update', 'delete', 'get_all')},
    'quota:get': ADMIN_OR_READER,
    'stats:get_all': ADMIN_OR_READER,
    'magnum-service:get_all': ADMIN,
    **{f'federation:{a}': ADMIN_OR_MEMBER for a in ('create', 'update', 'delete')},
    **{f'federation:{a}': ADMIN_OR_READER for a in ('get', 'get_all', 'detail')},
    **{f'federation:{a}_all_projects': ADMIN
       for a in ('get_one', 'get_all', 'detail', 'update', 'delete')},
}

BASE_RULES = {
    'context_is_admin', 'admin_or_owner', 'admin_or_user', 'is_user', 'project_member',
    'project_reader', 'admin_or_project_reader', 'admin_or_project_member',
    'admin_or_project_member_user', 'admin_or_project_reader_user',
    'project_member_deny_cluster_user', 'project_reader_deny_cluster_user',
    'admin_or_project_member_deny_cluster_user', 'admin_or_project_reader_deny_cluster_user',
    'is_cluster_user', 'admin_or_project_member_user_or_cluster_user',
    'admin_or_project_reader_user_or_cluster_user', 'admin_or_project_reader_or_cluster_user',
}


@pytest.fixture(autouse=True)
def _policy(tmp_path):
    CONF([], project='magnum_like', default_config_files=[])
    CONF.set_override('policy_file', str(tmp_path / 'policy.yaml'), group='oslo_policy')
    policy.reset()
    yield tmp_path
    policy.reset()
    CONF.clear_override('policy_file', group='oslo_policy')
    CONF.clear_override('enforce_new_defaults', group='oslo_policy')
    CONF.reset()


def _ctx(caller: str, **overrides) -> context.RequestContext:
    return context.make_context(**{**CALLERS[caller], **overrides})


def test_list_rules_covers_spec():
    names = [rule.name for rule in policies.list_rules()]
    assert len(names) == len(set(names))
    assert set(EXPECTED) | BASE_RULES <= set(names)
    # Nothing undocumented beyond the base rules.
    assert set(names) - set(EXPECTED) - BASE_RULES == set()


def test_api_rules_are_documented_and_project_scoped():
    for rule in policies.list_rules():
        if ':' not in rule.name:
            continue
        assert rule.scope_types == ['project'], rule.name
        assert rule.description, rule.name
        assert rule.operations and all(op['method'] and op['path'].startswith('/v1/')
                                       for op in rule.operations), rule.name


@pytest.mark.parametrize('rule', sorted(EXPECTED))
def test_rule_default(rule):
    allowed = {caller for caller in CALLERS
               if policy.enforce(_ctx(caller), rule, dict(TARGET), do_raise=False)}
    assert allowed == EXPECTED[rule]


@pytest.mark.parametrize('rule', ['cluster:create', 'cluster:get', 'quota:get'])
def test_refusal_raises_policy_not_authorized(rule):
    with pytest.raises(exception.PolicyNotAuthorized) as info:
        policy.enforce(_ctx('other'), rule, dict(TARGET))
    assert rule in str(info.value)


def test_target_defaults_to_the_callers_project_and_user():
    assert policy.enforce(_ctx('member'), 'cluster:create')
    assert policy.enforce(_ctx('reader'), 'certificate:get')
    assert not policy.enforce(_ctx('reader'), 'cluster:create', do_raise=False)


@pytest.mark.parametrize('scope', [dict(system_scope='all'), dict(domain_id='default')])
def test_non_project_scoped_tokens_are_refused(scope):
    admin = _ctx('admin', project_id=None, **scope)
    assert not policy.enforce(admin, 'quota:create', dict(TARGET), do_raise=False)
    with pytest.raises(exception.PolicyNotAuthorized):
        policy.enforce(admin, 'quota:create', dict(TARGET))


def test_check_is_admin():
    assert policy.check_is_admin(_ctx('admin'))
    assert not policy.check_is_admin(_ctx('member'))


def test_policy_file_overrides_a_default(_policy):
    (_policy / 'policy.yaml').write_text('"cluster:create": "rule:context_is_admin"\n')
    policy.reset()
    assert not policy.enforce(_ctx('member'), 'cluster:create', dict(TARGET), do_raise=False)
    assert policy.enforce(_ctx('admin'), 'cluster:create', dict(TARGET))


def test_old_defaults_only_when_new_defaults_are_off():
    # A project user without any role: refused by the new defaults, allowed by
    # the classic admin_or_owner fallback once the operator turns them off.
    roleless = context.make_context(user_id=OWNER, project_id=PROJECT, roles=[])
    assert not policy.enforce(roleless, 'cluster:get', dict(TARGET), do_raise=False)
    CONF.set_override('enforce_new_defaults', False, group='oslo_policy')
    policy.reset()
    assert policy.enforce(roleless, 'cluster:get', dict(TARGET))
    legacy_admin = context.make_context(user_id='x', project_id='y', roles=[], is_admin=True)
    assert policy.enforce(legacy_admin, 'cluster:get', dict(TARGET))
