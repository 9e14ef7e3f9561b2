"""[drivers] options: which cluster drivers are offered."""
from oslo_config import cfg

GROUP = 'drivers'

opts = [
    cfg.ListOpt('disabled_drivers', default=[],
                help='Entry-point names of drivers not to offer.'),
    cfg.ListOpt('enabled_beta_drivers', default=[],
                help='Entry-point names of beta drivers to offer.'),
    cfg.StrOpt('default_driver',
               help='Driver given to templates that name none and whose image names none; '
                    'unset: chosen by (server_type, cluster_distro, coe).'),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return {GROUP: opts}
