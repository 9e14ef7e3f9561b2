"""[cinder] options: the Cinder volumes of cluster nodes (spec §9.1)."""
from oslo_config import cfg

GROUP = 'cinder'

opts = [
    cfg.IntOpt('default_boot_volume_size', default=0, min=0,
               help='GB of the Cinder volume nodes boot from when the label '
                    'boot_volume_size is unset; 0: they boot from the flavor\'s disk.'),
    cfg.StrOpt('default_boot_volume_type',
               help='Cinder volume type of boot volumes when the label boot_volume_type is '
                    'unset; unset: Cinder\'s default type.'),
    cfg.StrOpt('default_docker_volume_type',
               help='Cinder volume type of Docker volumes when the label docker_volume_type '
                    'is unset; unset: Cinder\'s default type.'),
    cfg.StrOpt('default_etcd_volume_type',
               help='Cinder volume type of etcd volumes when the label etcd_volume_type is '
                    'unset; unset: Cinder\'s default type.'),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return {GROUP: opts}
