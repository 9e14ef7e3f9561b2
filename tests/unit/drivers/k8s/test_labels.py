"""The labels of spec §9.1 the Kubernetes drivers act on: what each renders,
and the 400 naming the label for a value it does not allow."""
from __future__ import annotations

import json

import pytest
import yaml

from magnum_like.common import exception
from magnum_like.pki import x509
from magnum_like import conf as ml_conf
from magnum_like.db import models
from magnum_like.drivers.heat.k8s_fedora import driver as k8s_driver
from magnum_like.drivers.heat.k8s_fedora import labels as k8s_labels
from magnum_like.drivers.k8s_fedora_atomic_v1 import driver as atomic_driver
from magnum_like.drivers.k8s_fedora_ironic_v1 import driver as ironic_driver
from tests.unit.drivers.k8s import fakes

CONF = ml_conf.CONF
VM = atomic_driver.Driver()
BM = ironic_driver.Driver()
#: A CA private key, as the conductor's PKI supplies it for cert_manager_api.
CA_KEY = x509.generate_ca('labels-test').private_key


class FakeCloud:
    """The cloud interface's catalog check (``CloudResources.has_service``)."""

    def __init__(self, services: set[str]) -> None:
        self.services = services
        self.asked: list[str] = []

    def has_service(self, service_type: str) -> bool:
        self.asked.append(service_type)
        return service_type in self.services


@pytest.fixture
def override():
    """Set options of any group for one test."""
    done = []

    def _set(name, value, group):
        CONF.set_override(name, value, group=group)
        done.append((name, group))

    yield _set
    for name, group in done:
        CONF.clear_override(name, group=group)


def _view(labels: dict, *, server_type: str = 'vm', extra: dict | None = None, **kwargs):
    return fakes.make_view(server_type=server_type, fixed=server_type == 'bm', labels=labels,
                           extra=extra, **kwargs)


def _params(labels: dict, *, driver=VM, **kwargs) -> dict:
    view = _view(labels, server_type='bm' if driver is BM else 'vm', **kwargs)
    driver.validate_cluster(view)
    return driver.create_stack_body(view)['parameters']


def _refused(labels: dict, match: str, *, driver=VM, **kwargs) -> str:
    view = _view(labels, server_type='bm' if driver is BM else 'vm', **kwargs)
    with pytest.raises(exception.InvalidParameterValue, match=match) as caught:
        driver.validate_cluster(view)
    return str(caught.value)


def _template(name: str) -> dict:
    return yaml.safe_load(VM.definition.files(None)[name])


# --- boot_volume_size / boot_volume_type -------------------------------------
def test_boot_volume_from_the_labels():
    params = _params({'boot_volume_size': '20', 'boot_volume_type': 'ssd'})
    assert params['boot_volume_size'] == 20 and params['boot_volume_type'] == 'ssd'


def test_boot_volume_defaults_from_the_cinder_options(override):
    params = _params({})
    assert params['boot_volume_size'] == 0 and 'boot_volume_type' not in params
    override('default_boot_volume_size', 15, 'cinder')
    override('default_boot_volume_type', 'fast', 'cinder')
    override('default_docker_volume_type', 'bulk', 'cinder')
    params = _params({'etcd_volume_type': 'iops'})
    assert params['boot_volume_size'] == 15 and params['boot_volume_type'] == 'fast'
    assert params['docker_volume_type'] == 'bulk' and params['etcd_volume_type'] == 'iops'
    # The label wins, 0 included.
    assert _params({'boot_volume_size': '0'})['boot_volume_size'] == 0


@pytest.mark.parametrize('value', ['abc', '-1', '1.5'])
def test_bad_boot_volume_size_is_refused(value):
    message = _refused({'boot_volume_size': value}, 'boot_volume_size')
    assert 'whole number' in message


def test_baremetal_ignores_boot_volumes():
    params = _params({'boot_volume_size': 'abc', 'boot_volume_type': 'ssd'}, driver=BM)
    assert params['boot_volume_size'] == 0 and 'boot_volume_type' not in params


def test_vm_members_boot_from_the_volume():
    files = VM.definition.files(None)
    for member, server in (('kubemaster.yaml', 'kube_master'), ('kubeminion.yaml', 'kube_minion')):
        template = yaml.safe_load(files[member])
        volume = template['resources']['boot_volume']
        assert volume['type'] == 'OS::Cinder::Volume'
        assert volume['condition'] == 'boot_from_volume'
        assert volume['properties']['image'] == {'get_param': 'image'}
        props = template['resources'][server]['properties']
        assert template['heat_template_version'] == 'wallaby'  # "if" with no false branch
        assert props['image'] == {'if': [{'not': 'boot_from_volume'}, {'get_param': 'image'}]}
        mapping = props['block_device_mapping_v2']['if'][1][0]
        assert mapping['boot_index'] == 0
        assert mapping['volume_id'] == {'get_resource': 'boot_volume'}


def test_bad_number_labels_are_refused_naming_the_label():
    _refused({'etcd_volume_size': 'five'}, 'etcd_volume_size')
    _refused({'flannel_network_subnetlen': 'x'}, 'flannel_network_subnetlen')


# --- master_lb_allowed_cidrs ---------------------------------------------------------
def test_lb_allowed_cidrs_are_normalized():
    params = _params({'master_lb_allowed_cidrs': '192.0.2.0/24, 198.51.100.7,10.1.2.3/16'},
                     lb=True)
    assert params['master_lb_allowed_cidrs'] == ['192.0.2.0/24', '198.51.100.7/32',
                                                 '10.1.0.0/16']
    assert 'master_lb_allowed_cidrs' not in _params({}, lb=True)


@pytest.mark.parametrize('value', ['192.0.2.0/33', 'example.com', '2001:db8::/32'])
def test_bad_lb_allowed_cidrs_are_refused(value):
    message = _refused({'master_lb_allowed_cidrs': '10.0.0.0/8,' + value},
                       'master_lb_allowed_cidrs', lb=True)
    assert 'IPv4 CIDRs' in message


def test_listener_allows_the_cidrs_and_the_nodes_subnet():
    lb = _template('lb_api.yaml')
    allowed = lb['resources']['listener']['properties']['allowed_cidrs']
    assert allowed == {'if': ['restricted', {'list_concat': [
        {'get_param': 'allowed_cidrs'}, [{'get_param': 'subnet_cidr'}]]}, None]}
    cluster = yaml.safe_load(VM.definition.template(None))
    props = cluster['resources']['api_lb']['properties']
    assert props['allowed_cidrs'] == {'get_param': 'master_lb_allowed_cidrs'}
    assert props['subnet_cidr'] == {'get_attr': ['master_ports', 'resource.0.subnet_cidr']}


# --- keystone_auth_enabled --------------------------------------------------------------
def test_keystone_auth_default_policy_names_the_project():
    params = _params({})
    assert params['keystone_auth_enabled'] == 'true'
    policy = json.loads(params['keystone_auth_default_policy'])
    assert '$PROJECT_ID' not in params['keystone_auth_default_policy']
    assert {tuple(rule['users']['projects']) for rule in policy} == {('p1',)}


def test_keystone_auth_policy_from_the_operators_file(override, tmp_path):
    path = tmp_path / 'policy.json'
    path.write_text(json.dumps([{'users': {'roles': ['k8s'], 'projects': ['$PROJECT_ID']},
                                 'resource_permissions': {'default/pods': ['get']}}]))
    override('keystone_auth_default_policy', str(path), 'kubernetes')
    policy = json.loads(_params({})['keystone_auth_default_policy'])
    assert policy == [{'users': {'roles': ['k8s'], 'projects': ['p1']},
                       'resource_permissions': {'default/pods': ['get']}}]


@pytest.mark.parametrize('content', [None, 'not json', '{"a": 1}'])
def test_an_unusable_policy_file_refuses_keystone_auth_clusters(override, tmp_path, content):
    path = tmp_path / 'policy.json'
    if content is not None:
        path.write_text(content)
    override('keystone_auth_default_policy', str(path), 'kubernetes')
    with pytest.raises(exception.ServiceUnavailable, match='keystone_auth_enabled=false'):
        VM.validate_cluster(_view({}))
    # ... but not the clusters that do not use it.
    assert 'keystone_auth_default_policy' not in _params({'keystone_auth_enabled': 'false'})


def test_keystone_auth_off():
    params = _params({'keystone_auth_enabled': 'false'})
    assert params['keystone_auth_enabled'] == 'false'
    assert 'keystone_auth_default_policy' not in params


def test_keystone_auth_renders_without_keystone():
    """noauth: no auth_url nor trust for the nodes; the webhook is still set up."""
    params = _params({}, extra={'auth_url': None, 'trust_id': ''})
    assert params['keystone_auth_enabled'] == 'true' and 'auth_url' not in params


# --- cert_manager_api -----------------------------------------------------------------
def test_cert_manager_api_hands_the_ca_key_to_the_masters():
    params = _params({'cert_manager_api': 'true'}, extra={'kube_ca_key': CA_KEY})
    assert params['cert_manager_api'] == 'true' and params['ca_key'] == CA_KEY
    # Off (the default): never passed, even if the conductor had it.
    params = _params({}, extra={'kube_ca_key': CA_KEY})
    assert params['cert_manager_api'] == 'false' and 'ca_key' not in params


def test_ca_key_is_hidden_and_master_only():
    cluster = yaml.safe_load(VM.definition.template(None))
    assert cluster['parameters']['ca_key']['hidden'] is True
    assert _template('nodeconfig.yaml')['parameters']['ca_key']['hidden'] is True
    view = _view({'cert_manager_api': 'true'}, extra={'kube_ca_key': CA_KEY, 'cluster_stack_outputs': {
        'api_address_private': '10.0.0.9', 'minion_security_groups': ['sg'],
        'fixed_network': 'net', 'fixed_subnet': 'subnet'}})
    ng = models.NodeGroup(uuid='7b2e0000-0000-4000-8000-000000000001', name='ng',
                          cluster_id=fakes.CLUSTER_UUID, role='worker', is_default=False,
                          node_count=1, flavor_id='m1.small', image_id='img', labels={})
    assert 'ca_key' not in VM.nodegroup_stack_body(view, ng)['parameters']


# --- ingress_controller / ingress_controller_role -----------------------------------
@pytest.mark.parametrize('controller', ['nginx', 'traefik'])
def test_ingress_controllers(controller):
    params = _params({'ingress_controller': controller})
    assert params['ingress_controller'] == controller
    assert params['ingress_controller_role'] == 'ingress'


def test_no_ingress_controller_by_default():
    params = _params({})
    assert 'ingress_controller' not in params


def test_unknown_ingress_controller_is_refused_listing_the_allowed():
    message = _refused({'ingress_controller': 'haproxy'}, 'ingress_controller')
    assert 'octavia, nginx, traefik, or unset' in message
    assert k8s_labels.INGRESS_CONTROLLERS == ('octavia', 'nginx', 'traefik')


@pytest.mark.parametrize('role', ['bad role', '-edge', 'x' * 64])
def test_bad_ingress_controller_role_is_refused(role):
    _refused({'ingress_controller': 'nginx', 'ingress_controller_role': role},
             'ingress_controller_role')


def test_octavia_ingress_needs_octavia_in_the_cloud():
    cloud = FakeCloud({'load-balancer'})
    params = _params({'ingress_controller': 'octavia'}, extra={'cloud_resources': cloud})
    assert params['ingress_controller'] == 'octavia' and cloud.asked == ['load-balancer']
    message = _refused({'ingress_controller': 'octavia'}, 'ingress_controller',
                       extra={'cloud_resources': FakeCloud(set())})
    assert 'Octavia' in message and 'nginx or traefik' in message


def test_octavia_check_asks_the_cloud_of_the_request(monkeypatch, override):
    """Without a cloud given, the cloud interface of the current request is asked;
    not at all when the operator turned cloud checks off."""
    cloud = FakeCloud(set())
    monkeypatch.setattr(k8s_driver.cloud, 'get_cloud_resources', lambda context: cloud)
    _refused({'ingress_controller': 'octavia'}, 'ingress_controller')
    assert cloud.asked == ['load-balancer']
    override('validate_cloud_resources', False, 'cluster_template')
    assert _params({'ingress_controller': 'octavia'})['ingress_controller'] == 'octavia'


# --- auto_healing_enabled / auto_healing_controller ----------------------------------
def test_auto_healing():
    params = _params({})
    assert params['auto_healing_enabled'] == 'false'
    assert params['auto_healing_controller'] == 'draino'
    params = _params({'auto_healing_enabled': 'true',
                      'auto_healing_controller': 'magnum-auto-healer'})
    assert params['auto_healing_enabled'] == 'true'
    assert params['auto_healing_controller'] == 'magnum-auto-healer'


def test_unknown_auto_healing_controller_is_refused_listing_the_allowed():
    message = _refused({'auto_healing_enabled': 'true', 'auto_healing_controller': 'kured'},
                       'auto_healing_controller')
    assert 'draino, magnum-auto-healer, magnum-like' in message


def test_the_services_own_auto_healing_and_its_grace_period():
    params = _params({'auto_healing_enabled': 'true', 'auto_healing_controller': 'magnum-like',
                      'auto_healing_grace_period': '0'})
    assert params['auto_healing_controller'] == 'magnum-like'
    assert 'auto_healing_grace_period' not in params  # the conductors read it, not Heat
    for bad in ('86401', '-1', 'soon'):
        message = _refused({'auto_healing_controller': 'magnum-like',
                            'auto_healing_grace_period': bad}, 'auto_healing_grace_period')
        assert ('86400' in message) or ('whole number' in message), message


# --- ostree_commit / ostree_remote (upgrade) -----------------------------------------
def test_upgrade_of_the_os_revision():
    view = _view({'ostree_remote': 'fedora-atomic:fedora/29/x86_64/atomic-host'})
    worker = view.nodegroup('worker')
    by_commit = models.ClusterTemplate(labels={'ostree_commit': 'c' * 64})
    VM.validate_upgrade(view, by_commit, worker, 2)  # no kube_tag needed
    params = VM.update_stack_body(view, new_template=by_commit, max_batch_size=2)['parameters']
    assert params['ostree_commit'] == 'c' * 64 and 'ostree_remote' not in params
    assert params['update_max_batch_size'] == 2
    by_remote = models.ClusterTemplate(labels={'ostree_remote': 'fedora-atomic:f30'})
    params = VM.update_stack_body(view, new_template=by_remote)['parameters']
    assert params['ostree_remote'] == 'fedora-atomic:f30' and params['ostree_commit'] == ''
    with pytest.raises(exception.InvalidClusterTemplateForUpgrade,
                       match='kube_tag, ostree_commit, ostree_remote'):
        VM.validate_upgrade(view, models.ClusterTemplate(labels={'etcd_tag': 'v3.5.0'}),
                            worker, 1)


def test_os_revision_is_a_member_property():
    """Like kube_tag: a change replaces the group members in rolling batches."""
    cluster = yaml.safe_load(VM.definition.template(None))
    for group in ('kube_masters', 'kube_minions'):
        props = cluster['resources'][group]['properties']['resource_def']['properties']
        assert props['ostree_commit'] == {'get_param': 'ostree_commit'}
        assert props['ostree_remote'] == {'get_param': 'ostree_remote'}
    nodeconfig = _template('nodeconfig.yaml')
    for role in ('master', 'minion'):
        parts = nodeconfig['resources']['%s_config' % role]['properties']['parts']['list_concat']
        assert parts[-1] == {'if': ['os_revision',
                                    [{'config': {'get_resource': 'script_upgrade_os'}}], []]}


def test_os_revision_is_passed_at_create():
    params = _params({'ostree_commit': 'd' * 64})
    assert params['ostree_commit'] == 'd' * 64


# --- node groups ------------------------------------------------------------------
def test_nodegroup_labels_are_checked():
    view = _view({})
    ng = models.NodeGroup(uuid='7b2e0000-0000-4000-8000-000000000002', name='ng',
                          cluster_id=fakes.CLUSTER_UUID, role='worker', is_default=False,
                          node_count=1, flavor_id='m1.small', image_id='img',
                          labels={'boot_volume_size': '-5'})
    with pytest.raises(exception.InvalidParameterValue, match='boot_volume_size'):
        VM.validate_nodegroup(view, ng)
    ng.labels = {'boot_volume_size': '30'}
    VM.validate_nodegroup(view, ng)
