"""Rules for ``/v1/clusters``."""
from __future__ import annotations

from oslo_policy import policy

from magnum_like.common.policies import base

_ONE = '/v1/clusters/{cluster_ident}'
_ALL = '/v1/clusters'

rules = [
    base.documented('cluster:create', base.RULE_ADMIN_OR_PROJECT_MEMBER,
                    'Create a new cluster.', [('POST', _ALL)]),
    base.documented('cluster:delete', base.RULE_ADMIN_OR_PROJECT_MEMBER,
                    'Delete a cluster.', [('DELETE', _ONE)]),
    base.documented('cluster:delete_all_projects', base.RULE_ADMIN_API,
                    'Delete a cluster of any project.', [('DELETE', _ONE)]),
    base.documented('cluster:detail', base.RULE_ADMIN_OR_PROJECT_READER,
                    'List clusters with every field.', [('GET', _ALL + '/detail')]),
    base.documented('cluster:detail_all_projects', base.RULE_ADMIN_API,
                    'List the clusters of every project with every field.', [('GET', _ALL + '/detail')]),
    base.documented('cluster:get', base.RULE_ADMIN_OR_PROJECT_READER_OR_CLUSTER_USER,
                    'Show a cluster (also to its trustee).', [('GET', _ONE)]),
    base.documented('cluster:get_one_all_projects', base.RULE_ADMIN_API,
                    'Show a cluster of any project.', [('GET', _ONE)]),
    base.documented('cluster:get_all', base.RULE_ADMIN_OR_PROJECT_READER,
                    'List clusters.', [('GET', _ALL)]),
    base.documented('cluster:get_all_all_projects', base.RULE_ADMIN_API,
                    'List the clusters of every project.', [('GET', _ALL)]),
    base.documented('cluster:update', base.RULE_ADMIN_OR_PROJECT_MEMBER,
                    'Update a cluster (node count).', [('PATCH', _ONE)]),
    base.documented('cluster:update_health_status',
                    base.RULE_ADMIN_OR_PROJECT_MEMBER_USER_OR_CLUSTER_USER,
                    'Update the health status of a cluster (the user who created it, its '
                    'trustee, as magnum-auto-healer does, or admin).',
                    [('PATCH', _ONE)]),
    base.documented('cluster:update_all_projects', base.RULE_ADMIN_API,
                    'Update a cluster of any project.', [('PATCH', _ONE)]),
    base.documented('cluster:resize', base.RULE_ADMIN_OR_PROJECT_MEMBER,
                    'Resize a cluster\'s node group.', [('POST', _ONE + '/actions/resize')]),
    base.documented('cluster:upgrade', base.RULE_ADMIN_OR_PROJECT_MEMBER,
                    'Upgrade a cluster to another template.', [('POST', _ONE + '/actions/upgrade')]),
    base.documented('cluster:upgrade_all_projects', base.RULE_ADMIN_API,
                    'Upgrade a cluster of any project.', [('POST', _ONE + '/actions/upgrade')]),
]


def list_rules() -> list[policy.RuleDefault]:
    """The cluster rules."""
    return rules
