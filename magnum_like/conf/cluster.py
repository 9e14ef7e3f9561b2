"""[cluster] options: cluster defaults."""
from oslo_config import cfg

GROUP = 'cluster'

opts = [
    cfg.IntOpt('create_timeout', default=60, min=1,
               help='Minutes a cluster create may take when the request gives no timeout.'),
    cfg.IntOpt('max_nodes_per_cluster', default=1000, min=1, max=2 ** 31 - 1,
               help='Most nodes (masters and workers of every node group together) a '
                    'cluster may have, and the bound of every node count, master count '
                    'and batch size a request gives (like Heat\'s max_resources_per_stack, '
                    '1000 by default). Larger values are refused with a 400.'),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return {GROUP: opts}
