"""Rules for ``/v1/quotas``."""
from __future__ import annotations

from oslo_policy import policy

from magnum_like.common.policies import base

_ONE = '/v1/quotas/{project_id}/{resource}'
_ALL = '/v1/quotas'

rules = [
    base.documented('quota:create', base.RULE_ADMIN_API,
                    'Set a project\'s quota.', [('POST', _ALL)]),
    base.documented('quota:delete', base.RULE_ADMIN_API,
                    'Delete a project\'s quota.', [('DELETE', _ONE)]),
    base.documented('quota:get', base.RULE_ADMIN_OR_PROJECT_READER,
                    'Show a project\'s quota.', [('GET', _ONE)]),
    base.documented('quota:get_all', base.RULE_ADMIN_API,
                    'List quotas.', [('GET', _ALL)]),
    base.documented('quota:update', base.RULE_ADMIN_API,
                    'Update a project\'s quota.', [('PATCH', _ONE)]),
]


def list_rules() -> list[policy.RuleDefault]:
    """The quota rules."""
    return rules
