"""Rules for ``/v1/stats``."""
from __future__ import annotations

from oslo_policy import policy

from magnum_like.common.policies import base

rules = [
    base.documented('stats:get_all', base.RULE_ADMIN_OR_PROJECT_READER,
                    'Show cluster and node counts of a project (of every project for admin).',
                    [('GET', '/v1/stats')]),
]


def list_rules() -> list[policy.RuleDefault]:
    """The stats rules."""
    return rules
