"""[api] options: the REST service."""
from oslo_config import cfg

GROUP = 'api'

opts = [
    cfg.HostAddressOpt('host', default='127.0.0.1', help='Address the API listens on.'),
    cfg.PortOpt('port', default=9511, help='Port the API listens on.'),
    cfg.IntOpt('max_limit', default=1000, min=1,
               help='Largest page a collection returns, whatever limit a client asks for.'),
    cfg.StrOpt('auth_strategy', default='keystone', choices=('keystone', 'noauth'),
               help='keystone: validate tokens with keystonemiddleware. noauth: trust the '
                    'X-Project-Id/X-User-Id/X-Roles headers (local development only).'),
    cfg.IntOpt('workers', min=1, max=64, sample_default='the number of CPUs (at most 64)',
               help='Processes magnum-like-api serves with, all sharing the listening socket '
                    '(each with its own database and RPC connections and [api] threads '
                    'threads). The parent restarts a worker that dies and stops them all on '
                    'SIGTERM/SIGINT. Unset: the number of CPUs.'),
    cfg.IntOpt('threads', default=16, min=1, max=1000,
               help='Worker threads of the built-in WSGI server (per worker process).'),
    cfg.IntOpt('client_timeout', default=10, min=1, max=3600,
               help='Seconds a client has to send a whole request (request line, headers '
                    'and body) once it starts; a slower or incomplete one is answered 408 '
                    'and its connection closed, so slow clients cannot hold the worker '
                    'threads. Also how long an idle keep-alive connection is kept.'),
    cfg.IntOpt('cloud_cache_ttl', default=30, min=0, max=3600,
               help='Seconds the API remembers what it looked up in the cloud to check a '
                    'template, cluster or node group create (images, networks and subnets '
                    'per project; flavors: a public flavor by id for every project, anything '
                    'else per project; keypairs per user). Misses are never remembered. '
                    'A flavor, image, network, subnet or keypair changed or deleted in the '
                    'cloud may still be accepted for this long. 0 disables the cache.'),
    cfg.BoolOpt('enabled_ssl', default=False, help='Serve HTTPS.'),
    cfg.StrOpt('ssl_cert_file', help='Certificate file for HTTPS.'),
    cfg.StrOpt('ssl_key_file', help='Private key file for HTTPS.'),
    cfg.StrOpt('public_endpoint',
               help='Base URL put in links and Location headers (default: the request host URL).'),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return {GROUP: opts}
