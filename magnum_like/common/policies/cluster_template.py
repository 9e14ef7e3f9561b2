"""Rules for ``/v1/clustertemplates``."""
from __future__ import annotations

from oslo_policy import policy

from magnum_like.common.policies import base

_ONE = '/v1/clustertemplates/{clustertemplate_ident}'
_ALL = '/v1/clustertemplates'

rules = [
    base.documented('clustertemplate:create', base.RULE_ADMIN_OR_PROJECT_MEMBER,
                    'Create a new cluster template.', [('POST', _ALL)]),
    base.documented('clustertemplate:delete', base.RULE_ADMIN_OR_PROJECT_MEMBER,
                    'Delete a cluster template.', [('DELETE', _ONE)]),
    base.documented('clustertemplate:delete_all_projects', base.RULE_ADMIN_API,
                    'Delete a cluster template of any project.', [('DELETE', _ONE)]),
    base.documented('clustertemplate:detail', base.RULE_ADMIN_OR_PROJECT_READER,
                    'List cluster templates with every field.', [('GET', _ALL + '/detail')]),
    base.documented('clustertemplate:detail_all_projects', base.RULE_ADMIN_API,
                    'List the cluster templates of every project with every field.',
                    [('GET', _ALL + '/detail')]),
    base.documented('clustertemplate:get', base.RULE_ADMIN_OR_PROJECT_READER,
                    'Show a cluster template (not checked for public templates).', [('GET', _ONE)]),
    base.documented('clustertemplate:get_one_all_projects', base.RULE_ADMIN_API,
                    'Show a cluster template of any project.', [('GET', _ONE)]),
    base.documented('clustertemplate:get_all', base.RULE_ADMIN_OR_PROJECT_READER,
                    'List cluster templates.', [('GET', _ALL)]),
    base.documented('clustertemplate:get_all_all_projects', base.RULE_ADMIN_API,
                    'List the cluster templates of every project.', [('GET', _ALL)]),
    base.documented('clustertemplate:update', base.RULE_ADMIN_OR_PROJECT_MEMBER,
                    'Update a cluster template.', [('PATCH', _ONE)]),
    base.documented('clustertemplate:update_all_projects', base.RULE_ADMIN_API,
                    'Update a cluster template of any project.', [('PATCH', _ONE)]),
    base.documented('clustertemplate:publish', base.RULE_ADMIN_API,
                    'Make a cluster template public or hidden.', [('POST', _ALL), ('PATCH', _ONE)]),
]


def list_rules() -> list[policy.RuleDefault]:
    """The cluster template rules."""
    return rules
