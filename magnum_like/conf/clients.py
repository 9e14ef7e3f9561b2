"""Options of the clients the service uses: Keystone auth, Heat, Barbican, Nova, Glance, Neutron, Octavia.

``[keystone_auth]`` holds the service's own credentials (keystoneauth plugin
options). Each ``[<service>_client]`` group says how to find that service;
``endpoint_override`` skips the catalog (that is how the built-in simulator is
reached in noauth mode, where there is no Keystone).
"""
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

AUTH_GROUP = 'keystone_auth'

SERVICES = {
    'heat_client': ('orchestration', '1'),
    'barbican_client': ('key-manager', '1'),
    'nova_client': ('compute', '2.1'),
    'glance_client': ('image', '2'),
    'neutron_client': ('network', '2.0'),
    'octavia_client': ('load-balancer', '2'),
}


def _client_opts(service_type, api_version):
    return [
        cfg.StrOpt('region_name', help='Region of the %s endpoint.' % service_type),
        cfg.StrOpt('endpoint_type', default='publicURL',
                   help='Catalog interface of the %s endpoint.' % service_type),
        cfg.URIOpt('endpoint_override',
                   help='Use this %s URL instead of the catalog\'s.' % service_type),
        cfg.StrOpt('api_version', default=api_version, help='API version to use.'),
        cfg.StrOpt('ca_file', help='CA bundle to verify the endpoint\'s certificate.'),
        cfg.BoolOpt('insecure', default=False, help='Skip certificate verification.'),
    ]


CLIENT_OPTS = {group: _client_opts(*info) for group, info in SERVICES.items()}


def register_opts(conf):
    for group, opts in CLIENT_OPTS.items():
        conf.register_opts(opts, group=group)
    ks_loading.register_session_conf_options(conf, AUTH_GROUP)
    ks_loading.register_auth_conf_options(conf, AUTH_GROUP)


def list_opts():
    result = dict(CLIENT_OPTS)
    auth_opts = (ks_loading.get_session_conf_options()
                 + ks_loading.get_auth_common_conf_options()
                 + ks_loading.get_auth_plugin_conf_options('password'))
    result[AUTH_GROUP] = auth_opts
    return result
