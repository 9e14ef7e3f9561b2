"""Policy in code: every rule the API enforces, with its default.

``list_rules`` is the ``oslo.policy.policies`` entry point, read by
``oslopolicy-sample-generator`` and by ``policy.get_enforcer``.
"""
from __future__ import annotations

import itertools

from oslo_policy import policy

from magnum_like.common.policies import base
from magnum_like.common.policies import certificate
from magnum_like.common.policies import cluster
from magnum_like.common.policies import cluster_template
from magnum_like.common.policies import credential
from magnum_like.common.policies import federation
from magnum_like.common.policies import magnum_service
from magnum_like.common.policies import nodegroup
from magnum_like.common.policies import quota
from magnum_like.common.policies import stats


def list_rules() -> list[policy.RuleDefault]:
    """Every rule, base rules first."""
    return list(itertools.chain(
        base.list_rules(),
        cluster.list_rules(),
        cluster_template.list_rules(),
        nodegroup.list_rules(),
        certificate.list_rules(),
        credential.list_rules(),
        quota.list_rules(),
        stats.list_rules(),
        magnum_service.list_rules(),
        federation.list_rules(),
    ))
