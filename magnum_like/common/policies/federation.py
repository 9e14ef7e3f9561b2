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
]


def list_rules() -> list[policy.RuleDefault]:
    """The federation rules."""
    return rules
