"""[cluster] options: cluster defaults."""
from oslo_config import cfg

GROUP = 'cluster'

opts = [
    cfg.IntOpt('create_timeout', default=60, min=1,
               help='Minutes a cluster create may take when the request gives no timeout.'),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return {GROUP: opts}
