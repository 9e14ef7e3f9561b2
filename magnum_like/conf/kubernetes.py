"""[kubernetes] options: what the Kubernetes drivers give every cluster."""
from oslo_config import cfg

GROUP = 'kubernetes'

opts = [
    cfg.StrOpt('keystone_auth_default_policy',
               help='JSON file of the k8s-keystone-auth policy given to clusters with the '
                    'label keystone_auth_enabled (default true), a list of rules in that '
                    'webhook\'s format; $PROJECT_ID in it becomes the cluster\'s project. '
                    'Unset: a built-in policy letting the project\'s member and admin roles '
                    'do anything in the cluster, and its reader role look.'),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return {GROUP: opts}
