"""Rules for ``/v1/clusters/{cluster_ident}/nodegroups``."""
from __future__ import annotations

from oslo_policy import policy

from magnum_like.common.policies import base

_ALL = '/v1/clusters/{cluster_ident}/nodegroups'
_ONE = _ALL + '/{nodegroup_ident}'

rules = [
    base.documented('nodegroup:get', base.RULE_ADMIN_OR_PROJECT_READER,
                    'Show a node group.', [('GET', _ONE)]),
    base.documented('nodegroup:get_all', base.RULE_ADMIN_OR_PROJECT_READER,
                    'List the node groups of a cluster.', [('GET', _ALL)]),
    base.documented('nodegroup:get_all_all_projects', base.RULE_ADMIN_API,
                    'List the node groups of a cluster of any project.', [('GET', _ALL)]),
    base.documented('nodegroup:get_one_all_projects', base.RULE_ADMIN_API,
                    'Show a node group of a cluster of any project.', [('GET', _ONE)]),
    base.documented('nodegroup:create', base.RULE_ADMIN_OR_PROJECT_MEMBER,
                    'Add a node group to a cluster.', [('POST', _ALL)]),
    base.documented('nodegroup:delete', base.RULE_ADMIN_OR_PROJECT_MEMBER,
                    'Delete a node group.', [('DELETE', _ONE)]),
    base.documented('nodegroup:update', base.RULE_ADMIN_OR_PROJECT_MEMBER,
                    'Update a node group.', [('PATCH', _ONE)]),
]


def list_rules() -> list[policy.RuleDefault]:
    """The node group rules."""
    return rules
