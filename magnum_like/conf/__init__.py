"""Configuration: one module per option group, all registered on ``CONF``.

Each module defines its options and ``register_opts(conf)`` / ``list_opts()``;
``opts.list_opts`` feeds oslo-config-generator.
"""
from oslo_config import cfg

from magnum_like.conf import api
from magnum_like.conf import certificates
from magnum_like.conf import cinder
from magnum_like.conf import clients
from magnum_like.conf import cluster
from magnum_like.conf import cluster_template
from magnum_like.conf import conductor
from magnum_like.conf import database
from magnum_like.conf import default
from magnum_like.conf import drivers
from magnum_like.conf import kubernetes
from magnum_like.conf import quotas
from magnum_like.conf import trust
from magnum_like.conf import x509

CONF = cfg.CONF

MODULES = (default, api, clients, cluster, cluster_template, conductor,
           database, drivers, quotas, certificates, trust, x509, cinder, kubernetes)

for _module in MODULES:
    _module.register_opts(CONF)
