"""Issue 14: federations for real, end to end through ``openstack coe federation``.

A host and two members on ``magnum-like-dev``: the federation stack runs the
federation script on the host's master; the official ``kubernetes`` client
pointed at the host sees a ``KubeFedCluster`` per member, Ready only once the
simulated federation controller reached that member over mutual TLS with the
credential delivered (a certificate for ``kubefed-<uuid>`` signed by the
member's CA). Unjoin removes one; the rules refuse a swarm cluster, the host
itself, a busy federation and another project's cluster; an injected Heat
failure ends ``UPDATE_FAILED`` naming the failing resource.
"""
from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request

import pytest

kubernetes = pytest.importorskip('kubernetes')
from cryptography import x509  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402
from kubernetes import client as k8s  # noqa: E402
import yaml  # noqa: E402

from tests.functional.e2e import helpers  # noqa: E402
from tests.functional.e2e.helpers import Dev  # noqa: E402

NS = helpers.KUBEFED_NS
_until = helpers.until
_apis = helpers.kube_apis
_kubefed_clusters = helpers.kubefed_clusters
_ready = helpers.ready_of


def _fed(dev: Dev, name: str) -> dict:
    return dev.json('coe', 'federation', 'show', name)


def _settled(dev: Dev, name: str) -> dict:
    return _until(lambda: (lambda f: f if not f['status'].endswith('IN_PROGRESS') else None)(
        _fed(dev, name)), 'federation %s settles' % name)


def _api(dev: Dev, method: str, path: str, body=None, project: str = 'admin') -> int:
    """A raw API call as ``project`` (noauth trusts the identity headers)."""
    request = urllib.request.Request(
        'http://127.0.0.1:%d%s' % (dev.port, path), method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={'Content-Type': 'application/json', 'X-Project-Id': project,
                 'X-User-Id': 'user-' + project, 'X-Roles': 'member'})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as error:
        return error.code


def test_federation_through_the_cli_and_the_host_clusters_api(dev, tmp_path):
    dev.ok('coe', 'cluster', 'template', 'create', 'k8s', '--coe', 'kubernetes',
           '--image', 'fedora-atomic-latest', '--external-network', 'public',
           '--flavor', 'm1.small', '--master-flavor', 'm1.medium',
           '--labels', 'kube_tag=v1.27.3')
    dev.ok('coe', 'cluster', 'template', 'create', 'swarm', '--coe', 'swarm',
           '--image', 'fedora-atomic-latest', '--external-network', 'public',
           '--flavor', 'm1.small')
    for name, template in (('condor-host', 'k8s'), ('atlas-x', 'k8s'), ('atlas-y', 'k8s'),
                           ('bees', 'swarm')):
        dev.ok('coe', 'cluster', 'create', name, '--cluster-template', template,
               '--node-count', '1')
    clusters = {name: dev.wait(name) for name in ('condor-host', 'atlas-x', 'atlas-y',
                                                  'bees')}
    assert all(c['status'] == 'CREATE_COMPLETE' for c in clusters.values()), clusters

    # The seed's commands, unchanged.
    created = dev.json('coe', 'federation', 'create', '--host-cluster', 'condor-host',
                       'cern-condor')
    assert created['status'] == 'CREATE_IN_PROGRESS'
    assert created['hostcluster_id'] == clusters['condor-host']['uuid']
    assert _settled(dev, 'cern-condor')['status'] == 'CREATE_COMPLETE'
    joined = dev.json('coe', 'federation', 'join', 'cern-condor', 'atlas-x', 'atlas-y')
    assert joined['status'] == 'UPDATE_IN_PROGRESS'
    fed = _settled(dev, 'cern-condor')
    assert fed['status'] == 'UPDATE_COMPLETE', fed
    assert sorted(fed['member_ids']) == sorted(clusters[n]['uuid']
                                               for n in ('atlas-x', 'atlas-y'))
    listed = dev.json('coe', 'federation', 'list')
    assert [(f['name'], f['status']) for f in listed] == [('cern-condor', 'UPDATE_COMPLETE')]

    # The host's API: a KubeFedCluster per member, Ready (the controller reached it).
    core, custom = _apis(dev, 'condor-host', tmp_path / 'host')
    found = _until(lambda: (lambda c: c if set(c) == {'atlas-x', 'atlas-y'} and all(
        _ready(i) == 'True' for i in c.values()) else None)(_kubefed_clusters(custom)),
        'both KubeFedClusters Ready')
    member_core, _ = _apis(dev, 'atlas-x', tmp_path / 'atlas-x')
    member_ca = x509.load_pem_x509_certificate(base64.b64decode(
        yaml.safe_load(open(tmp_path / 'atlas-x' / 'config'))['clusters'][0]['cluster'][
            'certificate-authority-data']))
    secret = core.read_namespaced_secret('atlas-x-kubeconfig', NS)
    config = yaml.safe_load(base64.b64decode(secret.data['kubeconfig']))
    cert = x509.load_pem_x509_certificate(base64.b64decode(
        config['users'][0]['user']['client-certificate-data']))
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == \
        'kubefed-%s' % fed['uuid']
    assert not cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    assert cert.issuer == member_ca.subject
    assert found['atlas-x']['spec']['apiEndpoint'] == clusters['atlas-x']['api_address']
    assert member_core.list_namespace()   # the member itself is fine

    # Ready depends on the credential: one from another CA (atlas-y's) makes it NotReady.
    _apis(dev, 'atlas-y', tmp_path / 'atlas-y')
    donor = yaml.safe_load(open(tmp_path / 'atlas-y' / 'config'))['users'][0]['user']
    config['users'][0]['user'] = donor
    core.delete_namespaced_secret('atlas-x-kubeconfig', NS)
    core.create_namespaced_secret(NS, k8s.V1Secret(
        metadata=k8s.V1ObjectMeta(name='atlas-x-kubeconfig'),
        string_data={'kubeconfig': yaml.safe_dump(config)}))
    _until(lambda: _ready(_kubefed_clusters(custom)['atlas-x']) == 'False',
           'atlas-x NotReady with a credential of another CA')

    # Refused synchronously.
    assert '400' in dev.fails('coe', 'federation', 'join', 'cern-condor', 'bees')
    assert 'coe' in dev.fails('coe', 'federation', 'join', 'cern-condor', 'bees')
    assert '400' in dev.fails('coe', 'federation', 'join', 'cern-condor', 'condor-host')
    assert '409' in dev.fails('coe', 'federation', 'create', '--host-cluster', 'atlas-y',
                              '--member', 'atlas-x', 'other')
    assert _api(dev, 'POST', '/v1/federations', {
        'hostcluster_id': clusters['condor-host']['uuid'],
        'properties': {'dns-zone': 'example.com.'}}, project='another') == 404

    # Unjoin: one KubeFedCluster and its Secret go.
    left = dev.json('coe', 'federation', 'unjoin', 'cern-condor', 'atlas-y')
    assert left['status'] == 'UPDATE_IN_PROGRESS'
    assert _settled(dev, 'cern-condor')['status'] == 'UPDATE_COMPLETE'
    assert set(_kubefed_clusters(custom)) == {'atlas-x'}
    assert [s.metadata.name for s in core.list_namespaced_secret(NS).items] == [
        'atlas-x-kubeconfig']
    # The update delivered atlas-x's own credential again: Ready again.
    _until(lambda: _ready(_kubefed_clusters(custom)['atlas-x']) == 'True',
           'atlas-x Ready again after the stack update')

    # A Heat failure of the deployment: UPDATE_FAILED naming the resource.
    dev.sim_send('POST', '/_sim/faults', {   # used up by the one failure
        'kind': 'resource', 'resource_type': 'OS::Heat::SoftwareDeploymentGroup',
        'action': 'update', 'reason': 'the node script exited 1', 'count': 1})
    dev.ok('coe', 'federation', 'join', 'cern-condor', 'atlas-y')
    failed = _settled(dev, 'cern-condor')
    assert failed['status'] == 'UPDATE_FAILED', failed
    assert 'federation_deployments' in failed['status_reason'], failed
    assert 'the node script exited 1' in failed['status_reason'], failed

    # A busy cluster (its resize hangs in Heat) is refused.
    dev.sim_send('POST', '/_sim/faults', {'kind': 'hang', 'stack': 'atlas-y-*'})
    dev.ok('coe', 'cluster', 'resize', 'atlas-y', '2')
    busy = dev.fails('coe', 'federation', 'create', '--host-cluster', 'atlas-y', 'other')
    assert '409' in busy and 'UPDATE_IN_PROGRESS' in busy, busy

    # The host cannot go while it hosts; the federation can, then the host.
    assert '409' in dev.fails('coe', 'cluster', 'delete', 'condor-host')
    dev.ok('coe', 'federation', 'delete', 'cern-condor')
    _until(lambda: dev.run('coe', 'federation', 'show', 'cern-condor').returncode != 0,
           'the federation is deleted')
    assert not [s for s in dev.sim_get('/_sim/state').get('stacks', [])
                if str(s).startswith('federation-')]
    dev.ok('coe', 'cluster', 'delete', 'condor-host')
