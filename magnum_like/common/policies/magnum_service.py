"""Rules for ``/v1/mservices``."""
from __future__ import annotations

from oslo_policy import policy

from magnum_like.common.policies import base

rules = [
    base.documented('magnum-service:get_all', base.RULE_ADMIN_API,
                    'List the conductors and whether they are up.', [('GET', '/v1/mservices')]),
]


def list_rules() -> list[policy.RuleDefault]:
    """The magnum service rules."""
    return rules
