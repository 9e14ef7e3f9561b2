"""[DEFAULT] options shared by every process."""
import socket

from oslo_config import cfg

opts = [
    cfg.StrOpt('host', default=socket.gethostname(), sample_default='localhost',
               help='Name of this host; conductors register under it in magnum_service.'),
    cfg.StrOpt('state_path', default='/var/lib/magnum_like',
               help='Directory where the service keeps its state (the SQLite database by default).'),
]


def register_opts(conf):
    conf.register_opts(opts)


def list_opts():
    return {'DEFAULT': opts}
