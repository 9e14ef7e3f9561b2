"""What the Kubernetes drivers decide besides rendering: checks, updates, outputs."""
from __future__ import annotations

import base64
import glob
import gzip
import io
import os
import tarfile

import pytest
import yaml

from magnum_like.common import exception
from magnum_like.db import models
from magnum_like.drivers.heat.k8s_fedora import addons
from magnum_like.drivers.k8s_fedora_atomic_v1 import driver as atomic_driver
from magnum_like.drivers.k8s_fedora_ironic_v1 import driver as ironic_driver
from tests.unit.drivers.k8s import fakes

DRIVER = atomic_driver.Driver()


def test_upgrade_refuses_a_downgrade_naming_the_label():
    view = fakes.make_view(labels={'kube_tag': 'v1.16.3', 'coredns_tag': '1.6.6'})
    older = models.ClusterTemplate(labels={'kube_tag': 'v1.15.7'})
    with pytest.raises(exception.InvalidParameterValue, match='kube_tag'):
        DRIVER.validate_upgrade(view, older, view.nodegroup('worker'), 1)
    older_dns = models.ClusterTemplate(labels={'kube_tag': 'v1.16.3', 'coredns_tag': '1.5.0'})
    with pytest.raises(exception.InvalidParameterValue, match='coredns_tag'):
        DRIVER.validate_upgrade(view, older_dns, view.nodegroup('worker'), 1)
    no_tag = models.ClusterTemplate(labels={})
    with pytest.raises(exception.InvalidClusterTemplateForUpgrade, match='kube_tag'):
        DRIVER.validate_upgrade(view, no_tag, view.nodegroup('worker'), 1)


def test_upgrade_is_a_rolling_update_in_batches():
    view = fakes.make_view()
    newer = models.ClusterTemplate(labels={'kube_tag': 'v1.16.3-rancher1', 'etcd_tag': 'v3.4.7'})
    DRIVER.validate_upgrade(view, newer, view.nodegroup('worker'), 3)
    body = DRIVER.update_stack_body(view, new_template=newer, max_batch_size=3, rollback=True)
    assert body['parameters'] == {'number_of_minions': 2, 'minions_to_remove': [],
                                  'update_max_batch_size': 3, 'kube_tag': 'v1.16.3-rancher1',
                                  'etcd_tag': 'v3.4.7'}
    assert body['disable_rollback'] is False
    cluster = yaml.safe_load(DRIVER.definition.template(view))
    policy = cluster['resources']['kube_minions']['update_policy']['rolling_update']
    assert policy['max_batch_size'] == {'get_param': 'update_max_batch_size'}
    # Masters (etcd members) one at a time, whatever the batch size.
    policy = cluster['resources']['kube_masters']['update_policy']['rolling_update']
    assert policy['max_batch_size'] == 1


def test_nodes_to_remove_by_index_server_id_or_address():
    view = fakes.make_view(workers=1, extra={'stack_outputs': {
        'kube_minions_private': ['10.0.0.5', '10.0.0.9'], 'kube_minion_ids': ['a1', 'b2']}})
    body = DRIVER.update_stack_body(view, nodes_to_remove=['3', 'c3', '10.0.0.9'])
    assert body['parameters']['minions_to_remove'] == ['3', 'c3', 'b2']
    with pytest.raises(exception.InvalidParameterValue, match='10.0.0.77'):
        DRIVER.update_stack_body(view, nodes_to_remove=['10.0.0.77'])


def test_minion_group_removes_what_the_parameter_names():
    cluster = yaml.safe_load(DRIVER.definition.template(None))
    minions = cluster['resources']['kube_minions']
    assert minions['properties']['removal_policies'] == [
        {'resource_list': {'get_param': 'minions_to_remove'}}]
    assert {'api_lb', 'kube_masters', 'kube_minions'} <= set(cluster['resources'])
    assert {'api_address', 'kube_masters', 'kube_masters_private', 'kube_minions',
            'kube_minions_private'} <= set(cluster['outputs'])


@pytest.mark.parametrize('fip', [True, False])
def test_fields_from_stack(fip):
    view = fakes.make_view(fip=fip, lb=True, masters=3)
    outputs = {'api_address': '172.24.4.10', 'kube_masters': ['172.24.4.11'] if fip else ['', ''],
               'kube_masters_private': ['10.0.0.3'], 'kube_minions': ['172.24.4.12'],
               'kube_minions_private': ['10.0.0.4', '10.0.0.5']}
    cluster, groups = DRIVER.fields_from_stack(view, outputs, {'kube_tag': 'v1.15.7'})
    assert cluster['api_address'] == 'https://172.24.4.10:6443'
    assert cluster['coe_version'] == 'v1.15.7'
    assert cluster['container_version'] == DRIVER.container_version
    expected = ['172.24.4.12'] if fip else ['10.0.0.4', '10.0.0.5']
    assert cluster['node_addresses'] == expected
    assert groups['ng-worker']['node_addresses'] == expected
    assert cluster['master_addresses'] == (['172.24.4.11'] if fip else ['10.0.0.3'])


def test_api_address_without_tls():
    view = fakes.make_view(tls_disabled=True)
    cluster, _ = DRIVER.fields_from_stack(view, {'api_address': '10.0.0.3'}, {})
    assert cluster['api_address'] == 'http://10.0.0.3:8080'


def test_resources_to_clean_finds_service_load_balancers():
    view = fakes.make_view()
    clean = DRIVER.resources_to_clean(view)
    assert clean['loadbalancers_name_prefix'] == ['kube_service_%s_' % fakes.CLUSTER_UUID]


def test_unsafe_label_values_are_refused():
    view = fakes.make_view(labels={'kubelet_options': "--foo='bar'"})
    with pytest.raises(exception.InvalidParameterValue, match='kubelet_options'):
        DRIVER.validate_cluster(view)


def test_unknown_network_driver_is_refused():
    with pytest.raises(exception.InvalidParameterValue, match='network_driver'):
        DRIVER.validate_cluster(fakes.make_view(network_driver='weave'))


def test_baremetal_needs_fixed_network():
    with pytest.raises(exception.InvalidParameterValue, match='fixed_network'):
        ironic_driver.Driver().validate_cluster(fakes.make_view(server_type='bm'))


def test_parameters():
    view = fakes.make_view(masters=3, lb=True, fip=False, extra={'trust_id': ''},
                           labels={'master_lb_floating_ip_enabled': 'true',
                                   'service_cluster_ip_range': '10.96.0.0/12'})
    params = DRIVER.create_stack_body(view)['parameters']
    assert params['number_of_masters'] == 3 and params['number_of_minions'] == 2
    assert params['master_lb_floating_ip_enabled'] is True
    assert params['floating_ip_enabled'] is False
    assert params['dns_service_ip'] == '10.96.0.10'
    assert params['cloud_provider_enabled'] == 'false'  # no trust for the nodes
    assert params['kube_tag'] == 'v1.15.7'
    assert 'trust_id' not in params  # the template default ('') serves a noauth cloud
    # One service-account key for every master, kept for the caller.
    assert 'PRIVATE KEY' in params['kube_service_account_private_key']
    assert view.extra['service_account_private_key'] == params['kube_service_account_private_key']
    assert 'PUBLIC KEY' in params['kube_service_account_key']


def test_refresh_keeps_the_service_account_key_and_carries_the_cas():
    """A CA or credential rotation re-sends the parameters, but not the service-account
    key pair (Heat keeps it, so tokens stay valid); new CAs change ``ca_generation``,
    which rebuilds the nodes against them."""
    cas = {'kube_ca_cert': 'CA 1', 'etcd_ca_cert': 'ETCD 1', 'front_proxy_ca_cert': 'FP 1'}
    view = fakes.make_view(extra=dict(cas))
    created = DRIVER.create_stack_body(view)['parameters']
    body = DRIVER.refresh_stack_body(fakes.make_view(extra=dict(cas)))
    assert body['existing'] is True
    params = body['parameters']
    assert set(created) - set(params) == {'kube_service_account_key',
                                          'kube_service_account_private_key'}
    assert params['ca_generation'] == created['ca_generation'] != ''
    rotated = DRIVER.refresh_stack_body(fakes.make_view(extra=dict(cas, etcd_ca_cert='ETCD 2')))
    assert rotated['parameters']['ca_generation'] != params['ca_generation']


#: What the masters' own files hold besides the addons bundle: the
#: service-account key pair, the Kubernetes CA key (cert_manager_api, RSA 2048)
#: and the Keystone policy.
MASTER_FILES_BYTES = 4 * 1024


def _parts_bytes(node, resources: dict, files: dict) -> int:
    """Bytes of the scripts a MultipartMime ``parts`` value puts in the user data,
    in the worst case (each ``if`` takes its larger branch)."""
    if isinstance(node, list):
        return sum(_parts_bytes(item, resources, files) for item in node)
    if not isinstance(node, dict):
        return 0
    if 'list_concat' in node:
        return _parts_bytes(node['list_concat'], resources, files)
    if 'if' in node:
        return max(_parts_bytes(branch, resources, files) for branch in node['if'][1:])
    if 'config' in node:
        return _parts_bytes(node['config'], resources, files)
    if 'get_resource' in node:
        config = resources[node['get_resource']]['properties'].get('config')
        if isinstance(config, dict) and 'get_file' in config:
            return len(files[config['get_file']])
    return 0


@pytest.mark.parametrize('role', ['master', 'minion'])
def test_user_data_fits_nova_limit(role):
    """Nova takes at most 64 KiB of base64 user data: ~48 KiB of scripts, whatever
    the labels choose (each optional part counted), the masters' addons bundle
    and secrets included."""
    files = DRIVER.definition.files(None)
    config = yaml.safe_load(files['nodeconfig.yaml'])
    resources = config['resources']
    total = _parts_bytes(resources['%s_config' % role]['properties']['parts'], resources, files)
    total += len(files['fragments/heat-params.tmpl']) * 2 + len(files['fragments/lib.sh'])
    total += len(files['fragments/lib-kubectl.sh'])
    if role == 'master':
        total += len(addons.bundle(None)) + MASTER_FILES_BYTES
    assert total < 48 * 1024, total


def test_addons_bundle_runs_every_addon_in_order():
    """The masters' addons travel packed (addons.py); none is also a part of its own."""
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(base64.b64decode(addons.bundle(None))))) \
            as tar:
        names = tar.getnames()
    assert names == ['%02d-%s' % (i, n) for i, n in enumerate(addons.MASTER_ADDONS, start=1)]
    assert addons.bundle(None) == addons.bundle(None)  # stable: re-renders change nothing
    nodeconfig = DRIVER.definition.files(None)['nodeconfig.yaml']
    assert not [name for name in addons.MASTER_ADDONS if name in nodeconfig]
    shipped = {os.path.basename(path) for path in glob.glob(os.path.join(
        os.path.dirname(addons.__file__), 'fragments', 'addon-*.sh'))}
    assert shipped <= set(addons.MASTER_ADDONS)
