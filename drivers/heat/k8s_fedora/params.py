"""Heat parameter sources shared by the Fedora Kubernetes drivers.

Each driver's ``template_def.py`` declares its own parameter list; these are
the value functions and label tables those lists are built from (the labels
spec §9.1 gives a meaning to are read and checked in ``labels.py``).
"""
from __future__ import annotations

import ipaddress

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from magnum_like.common import exception
from magnum_like.drivers.heat.common.params import ca_generation
from magnum_like.drivers.heat.common.params import extra_or_cluster
from magnum_like.drivers.heat.common.params import flavor
from magnum_like.drivers.heat.common.params import image
from magnum_like.drivers.heat.common.params import keypair
from magnum_like.drivers.heat.common.params import lb_floating_ip
from magnum_like.drivers.heat.common.params import nodegroup_name
from magnum_like.drivers.heat.common.params import nodegroup_role
from magnum_like.drivers.heat.k8s_fedora import addons
from magnum_like.drivers.heat.k8s_fedora import labels
from magnum_like.drivers.heat.mapping import Param
from magnum_like.drivers.heat.mapping import bool_text

#: Labels passed through as Heat parameters of the same name, with the
#: template's default applying when unset (spec §9.2; ``kube_tag`` is the last
#: Atomic driver's default, as Atomic system-container images are built per tag).
LABEL_PARAMS: tuple[str, ...] = (
    'kube_tag', 'etcd_tag', 'coredns_tag', 'flannel_tag', 'flannel_backend',
    'calico_tag', 'calico_ipv4pool_ipip', 'container_infra_prefix',
    'kube_dashboard_version', 'metrics_scraper_tag', 'cloud_provider_tag',
    'cinder_csi_plugin_tag', 'kubelet_options', 'kubeapi_options',
    'kubecontroller_options', 'kubeproxy_options', 'kubescheduler_options',
    'admission_control_list', 'octavia_provider', 'octavia_lb_algorithm',
    'availability_zone', 'fixed_subnet_cidr', 'dns_cluster_domain',
    'k8s_keystone_auth_tag', 'octavia_ingress_controller_tag',
    'nginx_ingress_controller_tag', 'traefik_ingress_controller_tag', 'draino_tag',
    'magnum_auto_healer_tag', 'ostree_remote', 'ostree_commit',
)
#: Labels holding a whole number (a bad one is refused naming the label).
NUMBER_LABEL_PARAMS: tuple[str, ...] = ('flannel_network_subnetlen', 'etcd_volume_size')
#: Labels holding a boolean, and their defaults.
BOOL_LABEL_PARAMS: dict[str, bool] = {
    'kube_dashboard_enabled': True,
    'cinder_csi_enabled': True,
    'keystone_auth_enabled': True,
    'cert_manager_api': False,
    'auto_healing_enabled': False,
}
#: The labels of an upgrade's new template that move the nodes to another OS
#: revision (spec §8.6): ``ostree_commit`` wins over ``ostree_remote``.
OS_REVISION_LABELS: tuple[str, ...] = ('ostree_commit', 'ostree_remote')
#: Tags that are commit ids, not versions (no order to keep).
_COMMIT_TAGS: tuple[str, ...] = ('draino_tag',)
#: Labels whose values are versions: an upgrade may not lower them.
VERSION_LABELS: tuple[str, ...] = tuple(
    name for name in LABEL_PARAMS
    if name.endswith(('_tag', '_version')) and name not in _COMMIT_TAGS)

DEFAULT_SERVICE_CIDR = '10.254.0.0/16'
DEFAULT_PODS_CIDR = '10.100.0.0/16'


def pods_cidr(view) -> str:
    label = 'calico_ipv4pool' if view.template.network_driver == 'calico' else 'flannel_network_cidr'
    return view.label(label, DEFAULT_PODS_CIDR)


def service_cidr(view) -> str:
    return view.label('service_cluster_ip_range', DEFAULT_SERVICE_CIDR)


def dns_service_ip(view) -> str:
    """The tenth address of the service range (CoreDNS's Service)."""
    try:
        return str(ipaddress.ip_network(service_cidr(view), strict=False)[10])
    except ValueError:
        raise exception.InvalidParameterValue(
            err='service_cluster_ip_range: %r is not a network.' % service_cidr(view)) from None


def cloud_provider(view) -> str:
    """Label ``cloud_provider_enabled``, defaulting to whether nodes get a trust."""
    value = view.label('cloud_provider_enabled')
    if value is None:
        return 'true' if view.extra.get('trust_id') else 'false'
    return bool_text(value)


def service_account_private_key(view) -> str:
    """The PEM key the masters sign service-account tokens with.

    One per cluster, shared by every master: the conductor may supply it as
    ``extra['service_account_private_key']``; otherwise one is made here
    (EC P-256, which kube-apiserver accepts) and left in ``view.extra`` under
    that name, so the public half and a caller wanting to keep it see the same key.
    """
    pem = view.extra.get('service_account_private_key')
    if not pem:
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        view.extra['service_account_private_key'] = pem
    return pem


def service_account_public_key(view) -> str:
    key = serialization.load_pem_private_key(service_account_private_key(view).encode(), None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def node_labels(role: str):
    """The node group's ``node_labels`` (microversion 1.14) as the kubelet's
    ``--node-labels`` takes them: ``key=value`` comma-separated, sorted so the
    same labels always render the same (no needless node replacement)."""
    def value(view) -> str:
        labels = getattr(view.nodegroup(role), 'node_labels', None) or {}
        return ','.join('%s=%s' % (key, labels[key]) for key in sorted(labels))
    return value


def node_taints(role: str):
    """The node group's ``node_taints`` as the kubelet's ``--register-with-taints``
    takes them: ``key=value:Effect`` (``key:Effect`` without a value), comma-separated."""
    def value(view) -> str:
        taints = getattr(view.nodegroup(role), 'node_taints', None) or []
        return ','.join('%s%s:%s' % (taint['key'],
                                     '=%s' % taint['value'] if taint.get('value') else '',
                                     taint['effect'])
                        for taint in taints)
    return value


def nodegroup_parameters() -> list[Param]:
    """What each node learns of its node group (heat-params NODEGROUP_NAME,
    NODEGROUP_ROLE, NODE_LABELS, NODE_TAINTS), per role of the cluster stack.

    Rendered as '' rather than left out when empty, so an update that sends
    every parameter again (a rotation) clears labels a PATCH removed instead
    of keeping Heat's stored ones.
    """
    params = []
    for role in ('master', 'worker'):
        params += [
            Param('%s_nodegroup_name' % role, compute=nodegroup_name(role), default=''),
            Param('%s_nodegroup_role' % role, compute=nodegroup_role(role), default=role),
            Param('%s_node_labels' % role, compute=node_labels(role), default=''),
            Param('%s_node_taints' % role, compute=node_taints(role), default=''),
        ]
    return params


def common_parameters() -> list[Param]:
    """The parameters of ``kubecluster.yaml`` every Fedora k8s driver maps."""
    params = [
        Param('master_image', compute=image('master'), required=True),
        Param('minion_image', compute=image('worker'), required=True),
        Param('master_flavor', compute=flavor('master'), required=True),
        Param('minion_flavor', compute=flavor('worker'), required=True),
        Param('number_of_masters', nodegroup=('master', 'node_count'), default=1),
        Param('number_of_minions', nodegroup=('worker', 'node_count'), default=1),
        Param('ssh_key_name', compute=keypair),
        Param('external_network', compute=extra_or_cluster('external_network_id'),
              default='public'),
        Param('fixed_network', cluster='fixed_network'),
        Param('fixed_subnet', cluster='fixed_subnet'),
        Param('dns_nameserver', template='dns_nameserver'),
        Param('floating_ip_enabled', cluster='floating_ip_enabled', default=True, convert=bool),
        Param('master_lb_enabled', cluster='master_lb_enabled', default=False, convert=bool),
        Param('master_lb_floating_ip_enabled', compute=lb_floating_ip),
        Param('docker_storage_driver', template='docker_storage_driver'),
        Param('cluster_uuid', compute=lambda view: view.cluster.uuid),
        Param('magnum_url', extra='magnum_url'),
        Param('auth_url', extra='auth_url'),
        Param('region_name', extra='region_name'),
        Param('trustee_user_id', compute=extra_or_cluster('trustee_user_id')),
        Param('trustee_password', compute=extra_or_cluster('trustee_password')),
        Param('trust_id', extra='trust_id'),
        Param('ca_generation', compute=ca_generation),
        Param('verify_ca', extra='verify_ca', convert=bool_text),
        Param('kube_service_account_private_key', compute=service_account_private_key),
        Param('kube_service_account_key', compute=service_account_public_key),
        Param('master_addons', compute=addons.bundle),
        Param('tls_disabled', template='tls_disabled', default=False, convert=bool),
        Param('network_driver', template='network_driver', default='flannel'),
        Param('volume_driver', template='volume_driver'),
        Param('registry_enabled', template='registry_enabled', default=False, convert=bool_text),
        Param('insecure_registry_url', template='insecure_registry'),
        Param('http_proxy', template='http_proxy'),
        Param('https_proxy', template='https_proxy'),
        Param('no_proxy', template='no_proxy'),
        Param('pods_network_cidr', compute=pods_cidr),
        Param('portal_network_cidr', compute=service_cidr),
        Param('dns_service_ip', compute=dns_service_ip),
        Param('cloud_provider_enabled', compute=cloud_provider),
        Param('master_wait_timeout',
              compute=lambda view: int(view.cluster.create_timeout or 60) * 60),
    ]
    params += [
        # Labels of spec §9.1, checked (labels.py).
        Param('master_lb_allowed_cidrs', compute=labels.lb_allowed_cidrs),
        Param('boot_volume_size', compute=labels.boot_volume_size),
        Param('boot_volume_type', compute=labels.volume_type('boot')),
        Param('docker_volume_type', compute=labels.volume_type('docker')),
        Param('etcd_volume_type', compute=labels.volume_type('etcd')),
        Param('ingress_controller', compute=labels.ingress_controller),
        Param('ingress_controller_role', compute=labels.ingress_controller_role),
        Param('auto_healing_controller', compute=labels.auto_healing_controller),
        Param('keystone_auth_default_policy', compute=labels.keystone_auth_policy),
        Param('ca_key', compute=labels.ca_private_key),
    ]
    params += nodegroup_parameters()
    params += [Param(name, label=name) for name in LABEL_PARAMS]
    params += [Param(name, compute=labels.number_label(name)) for name in NUMBER_LABEL_PARAMS]
    params += [Param(name, label=name, default=default, convert=bool_text)
               for name, default in BOOL_LABEL_PARAMS.items()]
    return params
