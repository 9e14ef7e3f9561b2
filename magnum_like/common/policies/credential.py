"""Rules for ``/v1/credentials``."""
from __future__ import annotations

from oslo_policy import policy

from magnum_like.common.policies import base

rules = [
    # Deliberately no admin bypass: the credential is the project's own.
    base.documented('credential:rotate', base.RULE_PROJECT_MEMBER,
                    'Rotate the credential a cluster uses to reach the cloud.',
                    [('PATCH', '/v1/credentials/{cluster_ident}')]),
]


def list_rules() -> list[policy.RuleDefault]:
    """The credential rules."""
    return rules
