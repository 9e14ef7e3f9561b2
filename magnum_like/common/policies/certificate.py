"""Rules for ``/v1/certificates``.

The target is the cluster, so the "user" rules compare the *cluster creator's*
user id: only the creator, the cluster's trustee (its nodes fetch the CA and
have their certificates signed) or an admin may read the CA or sign
certificates.
"""
from __future__ import annotations

from oslo_policy import policy

from magnum_like.common.policies import base

_ONE = '/v1/certificates/{cluster_ident}'

rules = [
    base.documented('certificate:create', base.RULE_ADMIN_OR_PROJECT_MEMBER_USER_OR_CLUSTER_USER,
                    'Sign a certificate signing request with a cluster\'s CA.',
                    [('POST', '/v1/certificates')]),
    base.documented('certificate:get', base.RULE_ADMIN_OR_PROJECT_READER_USER_OR_CLUSTER_USER,
                    'Show a cluster\'s CA certificate.', [('GET', _ONE)]),
    base.documented('certificate:rotate_ca', base.RULE_ADMIN_OR_PROJECT_MEMBER,
                    'Rotate a cluster\'s CA.', [('PATCH', _ONE)]),
]


def list_rules() -> list[policy.RuleDefault]:
    """The certificate rules."""
    return rules
