"""Base rules every resource's rules are built from (spec §11).

The names are Magnum's, so an operator's existing ``policy.yaml`` that refers
to ``rule:admin_or_project_member`` (and so on) keeps working.

The *cluster user* is a cluster's trustee, as its nodes authenticate
(``rule:is_cluster_user``: the caller's user id is the target's
``trustee_user_id``). Only the ``*_or_cluster_user`` rules let it in: showing
its cluster and its CA, signing certificates, reporting the cluster's health
(what magnum-auto-healer does). The API also gives a trustee no roles and
lets it see only its own clusters (``api.hooks``), so the plain
member/reader rules, and the ``*_deny_cluster_user`` variants kept for
operators' overrides that name them, never admit it.
"""
from __future__ import annotations

from oslo_policy import policy

RULE_ADMIN_API = 'rule:context_is_admin'
RULE_ADMIN_OR_OWNER = 'rule:admin_or_owner'
RULE_ADMIN_OR_USER = 'rule:admin_or_user'
RULE_USER = 'rule:is_user'
RULE_PROJECT_MEMBER = 'rule:project_member'
RULE_PROJECT_READER = 'rule:project_reader'
RULE_ADMIN_OR_PROJECT_READER = 'rule:admin_or_project_reader'
RULE_ADMIN_OR_PROJECT_MEMBER = 'rule:admin_or_project_member'
RULE_ADMIN_OR_PROJECT_MEMBER_USER = 'rule:admin_or_project_member_user'
RULE_ADMIN_OR_PROJECT_READER_USER = 'rule:admin_or_project_reader_user'
RULE_PROJECT_MEMBER_DENY_CLUSTER_USER = 'rule:project_member_deny_cluster_user'
RULE_PROJECT_READER_DENY_CLUSTER_USER = 'rule:project_reader_deny_cluster_user'
RULE_ADMIN_OR_PROJECT_MEMBER_DENY_CLUSTER_USER = 'rule:admin_or_project_member_deny_cluster_user'
RULE_ADMIN_OR_PROJECT_READER_DENY_CLUSTER_USER = 'rule:admin_or_project_reader_deny_cluster_user'
RULE_CLUSTER_USER = 'rule:is_cluster_user'
RULE_ADMIN_OR_PROJECT_MEMBER_USER_OR_CLUSTER_USER = 'rule:admin_or_project_member_user_or_cluster_user'
RULE_ADMIN_OR_PROJECT_READER_USER_OR_CLUSTER_USER = 'rule:admin_or_project_reader_user_or_cluster_user'
RULE_ADMIN_OR_PROJECT_READER_OR_CLUSTER_USER = 'rule:admin_or_project_reader_or_cluster_user'

#: The only scope any rule accepts: system- and domain-scoped tokens get 403.
PROJECT_SCOPE = ['project']

_DEPRECATED_REASON = ('The API enforces scoped tokens and the default reader and member roles; '
                      'being in the project (or being the user) is no longer enough.')
_DEPRECATED_SINCE = '2023.2'

_CLASSIC_ADMIN_OR_OWNER = 'is_admin:True or project_id:%(project_id)s'
_CLASSIC_ADMIN_OR_USER = 'is_admin:True or user_id:%(user_id)s'
_CLUSTER_USER = 'user_id:%(trustee_user_id)s'


def _classic(name: str, check_str: str) -> policy.DeprecatedRule:
    """The classic (pre secure-RBAC) default of rule ``name``.

    Same name as the new rule, so it is a fallback default and not a rename:
    it is consulted only when an operator sets ``[oslo_policy]
    enforce_new_defaults = False``, and an override of ``admin_or_owner`` in a
    policy file never silently redefines the new rules.
    """
    return policy.DeprecatedRule(name=name, check_str=check_str,
                                 deprecated_reason=_DEPRECATED_REASON,
                                 deprecated_since=_DEPRECATED_SINCE)


def _either(left: str, right: str) -> str:
    return f'({left}) or ({right})'


def _both(left: str, right: str) -> str:
    return f'({left}) and ({right})'


_MEMBER_USER = _both(RULE_PROJECT_MEMBER, RULE_USER)
_READER_USER = _both(RULE_PROJECT_READER, RULE_USER)


def _with_classic(name: str, check_str: str, description: str, classic: str) -> policy.RuleDefault:
    return policy.RuleDefault(name, check_str, description=description,
                              deprecated_rule=_classic(name, classic))


rules = [
    policy.RuleDefault('context_is_admin', 'role:admin',
                       description='The caller has the admin role.'),
    policy.RuleDefault('admin_or_owner', _CLASSIC_ADMIN_OR_OWNER,
                       description='Legacy: admin, or any role in the target\'s project.'),
    policy.RuleDefault('admin_or_user', _CLASSIC_ADMIN_OR_USER,
                       description='Legacy: admin, or the user who owns the target.'),
    policy.RuleDefault('is_user', 'user_id:%(user_id)s',
                       description='The caller is the user who owns the target.'),
    policy.RuleDefault('project_member', 'role:member and project_id:%(project_id)s',
                       description='The caller has the member role in the target\'s project.'),
    policy.RuleDefault('project_reader', 'role:reader and project_id:%(project_id)s',
                       description='The caller has the reader role in the target\'s project.'),
    _with_classic('admin_or_project_reader', _either(RULE_ADMIN_API, RULE_PROJECT_READER),
                  'Admin, or a reader of the target\'s project.', _CLASSIC_ADMIN_OR_OWNER),
    _with_classic('admin_or_project_member', _either(RULE_ADMIN_API, RULE_PROJECT_MEMBER),
                  'Admin, or a member of the target\'s project.', _CLASSIC_ADMIN_OR_OWNER),
    _with_classic('admin_or_project_member_user', _either(RULE_ADMIN_API, _MEMBER_USER),
                  'Admin, or a member of the target\'s project who owns it.', _CLASSIC_ADMIN_OR_USER),
    _with_classic('admin_or_project_reader_user', _either(RULE_ADMIN_API, _READER_USER),
                  'Admin, or a reader of the target\'s project who owns it.', _CLASSIC_ADMIN_OR_USER),
    policy.RuleDefault('is_cluster_user', _CLUSTER_USER,
                       description='The caller is the target cluster\'s trustee (its nodes).'),
    _with_classic('admin_or_project_member_user_or_cluster_user',
                  _either(_either(RULE_ADMIN_API, _MEMBER_USER), RULE_CLUSTER_USER),
                  'Admin, a member of the target\'s project who owns it, or the cluster\'s '
                  'trustee.', _either(_CLASSIC_ADMIN_OR_USER, _CLUSTER_USER)),
    _with_classic('admin_or_project_reader_user_or_cluster_user',
                  _either(_either(RULE_ADMIN_API, _READER_USER), RULE_CLUSTER_USER),
                  'Admin, a reader of the target\'s project who owns it, or the cluster\'s '
                  'trustee.', _either(_CLASSIC_ADMIN_OR_USER, _CLUSTER_USER)),
    _with_classic('admin_or_project_reader_or_cluster_user',
                  _either(_either(RULE_ADMIN_API, RULE_PROJECT_READER), RULE_CLUSTER_USER),
                  'Admin, a reader of the target\'s project, or the cluster\'s trustee.',
                  _either(_CLASSIC_ADMIN_OR_OWNER, _CLUSTER_USER)),
    _with_classic('project_member_deny_cluster_user', RULE_PROJECT_MEMBER,
                  'Same as project_member (kept for overrides that name it).', _CLASSIC_ADMIN_OR_OWNER),
    _with_classic('project_reader_deny_cluster_user', RULE_PROJECT_READER,
                  'Same as project_reader (kept for overrides that name it).', _CLASSIC_ADMIN_OR_OWNER),
    _with_classic('admin_or_project_member_deny_cluster_user', RULE_ADMIN_OR_PROJECT_MEMBER,
                  'Same as admin_or_project_member (kept for overrides that name it).',
                  _CLASSIC_ADMIN_OR_OWNER),
    _with_classic('admin_or_project_reader_deny_cluster_user', RULE_ADMIN_OR_PROJECT_READER,
                  'Same as admin_or_project_reader (kept for overrides that name it).',
                  _CLASSIC_ADMIN_OR_OWNER),
]


def documented(name: str, check_str: str, description: str,
               operations: list[tuple[str, str]]) -> policy.DocumentedRuleDefault:
    """A project-scoped documented rule.

    :param name: the rule's name, e.g. ``cluster:create``.
    :param check_str: its default.
    :param description: one sentence for the sample file.
    :param operations: ``(method, path)`` pairs the rule guards.
    """
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{'method': method, 'path': path} for method, path in operations],
        scope_types=PROJECT_SCOPE)


def list_rules() -> list[policy.RuleDefault]:
    """The base rules."""
    return rules
