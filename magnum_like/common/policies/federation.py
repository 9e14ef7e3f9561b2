"""Rules for ``/v1/federations`` (an API-only feature)."""
from __future__ import annotations

from oslo_policy import policy

from magnum_like.common.policies import base

_ONE = '/v1/federations/{federation_ident}'
_ALL = '/v1/federations'

rules = [
    base.documented('federation:create', base.RULE_ADMIN_OR_PROJECT_MEMBER,
                    'Create a federation.', [('POST', _ALL)]),
    base.documented('federation:delete', base.RULE_ADMIN_OR_PROJECT_MEMBER,
                    'Delete a federation.', [('DELETE', _ONE)]),
    base.documented('federation:detail', base.RULE_ADMIN_OR_PROJECT_READER,
                    'List federations with every field.', [('GET', _ALL + '/detail')]),
    base.documented('federation:get', base.RULE_ADMIN_OR_PROJECT_READER,
                    'Show a federation.', [('GET', _ONE)]),
    base.documented('federation:get_all', base.RULE_ADMIN_OR_PROJECT_READER,
                    'List federations.', [('GET', _ALL)]),
    base.documented('federation:update', base.RULE_ADMIN_OR_PROJECT_MEMBER,
                    'Update a federation (join or leave clusters).', [('PATCH', _ONE)]),
    # Not in Magnum (whose federations never left the caller's project): shaped like
    # the cluster:*_all_projects rules, so admins reach every project's federations.
    base.documented('federation:delete_all_projects', base.RULE_ADMIN_API,
                    'Delete a federation of any project.', [('DELETE', _ONE)]),
    base.documented('federation:detail_all_projects', base.RULE_ADMIN_API,
                    'List the federations of every project with every field.',
                    [('GET', _ALL + '/detail')]),
    base.documented('federation:get_one_all_projects', base.RULE_ADMIN_API,
                    'Show a federation of any project.', [('GET', _ONE)]),
    base.documented('federation:get_all_all_projects', base.RULE_ADMIN_API,
                    'List the federations of every project.', [('GET', _ALL)]),
    base.documented('federation:update_all_projects', base.RULE_ADMIN_API,
                    'Update a federation of any project.', [('PATCH', _ONE)]),
]


def list_rules() -> list[policy.RuleDefault]:
    """The federation rules."""
    return rules
