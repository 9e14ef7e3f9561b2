"""[cluster_template] options: what templates may contain and how they are checked."""
from oslo_config import cfg

GROUP = 'cluster_template'

opts = [
    cfg.ListOpt('kubernetes_allowed_network_drivers', default=['flannel', 'calico'],
                help="Network drivers allowed in Kubernetes templates ('all' allows any)."),
    cfg.StrOpt('kubernetes_default_network_driver', default='flannel',
               help='Network driver of a Kubernetes template that names none.'),
    cfg.ListOpt('swarm_allowed_network_drivers', default=['docker', 'flannel'],
                help="Network drivers allowed in Swarm templates ('all' allows any)."),
    cfg.StrOpt('swarm_default_network_driver', default='docker',
               help='Network driver of a Swarm template that names none.'),
    cfg.ListOpt('mesos_allowed_network_drivers', default=['docker'],
                help="Network drivers allowed in Mesos templates ('all' allows any)."),
    cfg.StrOpt('mesos_default_network_driver', default='docker',
               help='Network driver of a Mesos template that names none.'),
    cfg.BoolOpt('validate_cloud_resources', default=True,
                help='Check that the image, flavors, keypair and networks a template names exist '
                     '(Glance, Nova, Neutron). Turn off only where those services are absent.'),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return {GROUP: opts}
