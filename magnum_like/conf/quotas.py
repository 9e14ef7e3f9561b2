"""[quotas] options."""
from oslo_config import cfg

GROUP = 'quotas'

opts = [
    cfg.IntOpt('max_clusters_per_project', default=20, min=0,
               help='Clusters a project may have when no quota row says otherwise.'),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return {GROUP: opts}
