"""Issue 4: a user's cluster workflow with ``openstack coe``, end to end.

Template create; a Kubernetes cluster (1 master, 2 workers) to CREATE_COMPLETE;
list; ``update replace node_count=3``; ``resize 2``; ``upgrade`` to a template
with a newer ``kube_tag``; node groups (create/list/show/update min-max/delete);
the 409 a busy cluster answers; quotas, stats and services; delete to 404.
Each step is checked in the simulated cloud as well (Nova servers).
"""
from __future__ import annotations

from tests.functional.e2e.helpers import Dev


def _template(dev: Dev, name: str, kube_tag: str, *extra: str) -> dict:
    return dev.json('coe', 'cluster', 'template', 'create', name, '--coe', 'kubernetes',
                    '--image', 'fedora-atomic-latest', '--external-network', 'public',
                    '--flavor', 'm1.small', '--master-flavor', 'm1.medium',
                    '--keypair', 'default', '--labels', 'kube_tag=%s' % kube_tag, *extra)


def _servers(dev: Dev, cluster: dict, role: str) -> list[dict]:
    """The cluster's servers of ``role`` (``master``/``node``) in the simulator's Nova."""
    prefix = '%s-%s' % (cluster['name'], cluster['uuid'].split('-')[0])
    return [s for s in dev.servers()
            if s['name'].startswith(prefix + '-%s-' % role)]


def test_cluster_lifecycle(dev):
    template = _template(dev, 'k8s-1.15', 'v1.15.7')
    assert template['coe'] == 'kubernetes' and template['labels'] == {'kube_tag': 'v1.15.7'}
    _template(dev, 'k8s-1.16', 'v1.16.3')

    out = dev.ok('coe', 'cluster', 'create', 'web', '--cluster-template', 'k8s-1.15',
                 '--master-count', '1', '--node-count', '2')
    assert 'Request to create cluster' in out and 'accepted' in out
    cluster = dev.wait('web')
    assert cluster['status'] == 'CREATE_COMPLETE', cluster
    assert cluster['node_count'] == 2 and cluster['master_count'] == 1
    assert len(cluster['node_addresses']) == 2 and len(cluster['master_addresses']) == 1
    assert cluster['api_address'] == 'https://%s:6443' % cluster['master_addresses'][0]
    assert cluster['coe_version'] == 'v1.15.7'
    assert len(_servers(dev, cluster, 'node')) == 2
    assert len(_servers(dev, cluster, 'master')) == 1

    listed = dev.json('coe', 'cluster', 'list')
    assert [(c['name'], c['status'], c['node_count']) for c in listed] == [
        ('web', 'CREATE_COMPLETE', 2)]

    # Scale up with a JSON-PATCH of node_count.
    out = dev.ok('coe', 'cluster', 'update', 'web', 'replace', 'node_count=3')
    assert 'accepted' in out
    cluster = dev.wait('web')
    assert cluster['status'] == 'UPDATE_COMPLETE', cluster
    assert cluster['node_count'] == 3 and len(cluster['node_addresses']) == 3
    assert len(_servers(dev, cluster, 'node')) == 3

    # Scale down with resize.
    dev.ok('coe', 'cluster', 'resize', 'web', '2')
    cluster = dev.wait('web')
    assert cluster['status'] == 'UPDATE_COMPLETE', cluster
    assert cluster['node_count'] == 2 and len(cluster['node_addresses']) == 2
    assert len(_servers(dev, cluster, 'node')) == 2

    # Upgrade to the template with the newer kube_tag.
    dev.ok('coe', 'cluster', 'upgrade', 'web', 'k8s-1.16')
    cluster = dev.wait('web')
    assert cluster['status'] == 'UPDATE_COMPLETE', cluster
    new_template = dev.json('coe', 'cluster', 'template', 'show', 'k8s-1.16')
    assert cluster['cluster_template_id'] == new_template['uuid']
    assert cluster['coe_version'] == 'v1.16.3'
    # ... and a downgrade is refused up front.
    err = dev.fails('coe', 'cluster', 'upgrade', 'web', 'k8s-1.15')
    assert '400' in err and 'kube_tag' in err

    # Node groups.
    out = dev.ok('coe', 'nodegroup', 'create', 'web', 'pool', '--node-count', '2',
                 '--min-nodes', '1', '--max-nodes', '4', '--flavor', 'm1.large',
                 '--labels', 'kubelet_options=--max-pods=50')
    assert 'Request to create nodegroup' in out, out
    ng = dev.wait_nodegroup('web', 'pool')
    assert ng['status'] == 'CREATE_COMPLETE', ng.get('status_reason')
    assert ng['node_count'] == 2 and ng['flavor_id'] == 'm1.large'
    assert ng['stack_id']
    pool_servers = [s for s in dev.servers() if '-pool-' in s['name']]
    assert len(pool_servers) == 2, [s['name'] for s in dev.servers()]
    listed = dev.json('coe', 'nodegroup', 'list', 'web')
    assert sorted((n['name'], n['role'], n['node_count']) for n in listed) == [
        ('default-master', 'master', 1), ('default-worker', 'worker', 2),
        ('pool', 'worker', 2)]
    dev.ok('coe', 'nodegroup', 'update', 'web', 'pool', 'replace', 'min_node_count=2',
           'max_node_count=5')
    ng = dev.wait_nodegroup('web', 'pool')
    assert (ng['min_node_count'], ng['max_node_count']) == (2, 5), ng
    # Resizing the node group below its minimum is refused; within, it works.
    err = dev.fails('coe', 'cluster', 'resize', 'web', '1', '--nodegroup', 'pool')
    assert '400' in err
    dev.ok('coe', 'cluster', 'resize', 'web', '3', '--nodegroup', 'pool')
    cluster = dev.wait('web')
    assert cluster['status'] == 'UPDATE_COMPLETE', cluster
    assert dev.json('coe', 'nodegroup', 'show', 'web', 'pool')['node_count'] == 3
    assert len([s for s in dev.servers() if '-pool-' in s['name']]) == 3
    # The default workers did not change; the cluster counts every worker (as Magnum).
    assert dev.json('coe', 'nodegroup', 'show', 'web', 'default-worker')['node_count'] == 2
    assert dev.json('coe', 'cluster', 'show', 'web')['node_count'] == 2 + 3
    err = dev.fails('coe', 'nodegroup', 'delete', 'web', 'default-worker')
    assert '400' in err
    dev.ok('coe', 'nodegroup', 'delete', 'web', 'pool')
    assert dev.wait_nodegroup('web', 'pool')['status'] == 'NOT_FOUND'
    assert [s for s in dev.servers() if '-pool-' in s['name']] == []
    assert dev.wait('web')['status'] == 'UPDATE_COMPLETE'

    # A busy cluster answers 409 to a second change (servers take a while to build).
    dev.server_delay(10)
    dev.ok('coe', 'cluster', 'resize', 'web', '3')
    assert dev.show('web')['status'] == 'UPDATE_IN_PROGRESS'
    err = dev.fails('coe', 'cluster', 'resize', 'web', '4')
    assert '409' in err and 'UPDATE_IN_PROGRESS' in err, err
    err = dev.fails('coe', 'cluster', 'update', 'web', 'replace', 'node_count=4')
    assert '409' in err, err
    err = dev.fails('coe', 'cluster', 'upgrade', 'web', 'k8s-1.16')
    assert '409' in err, err
    dev.server_delay(0)
    cluster = dev.wait('web')
    assert cluster['status'] == 'UPDATE_COMPLETE', cluster
    assert dev.json('coe', 'nodegroup', 'show', 'web', 'default-worker')['node_count'] == 3

    # Quotas, stats and services answer.
    [stats] = dev.table('coe', 'stats', 'list', 'admin')
    assert stats == {'clusters': '1', 'nodes': str(3 + 1)}, stats
    services = dev.json('coe', 'service', 'list')
    assert services and services[0]['binary'] == 'magnum-conductor', services
    assert services[0]['state'] == 'up'
    [quota] = dev.table('coe', 'quotas', 'create', '--project-id', 'demo', '--resource',
                        'Cluster', '--hard-limit', '5')
    assert quota['hard_limit'] == '5'
    listed = dev.table('coe', 'quotas', 'list', '--all-tenants')
    assert [(q['project_id'], q['resource'], q['hard_limit']) for q in listed] == [
        ('demo', 'Cluster', '5')]
    dev.ok('coe', 'quotas', 'update', '--project-id', 'demo', '--resource', 'Cluster',
           '--hard-limit', '7')
    [quota] = dev.table('coe', 'quotas', 'show', '--project-id', 'demo', '--resource',
                        'Cluster')
    assert quota['hard_limit'] == '7'
    dev.ok('coe', 'quotas', 'delete', '--project-id', 'demo', '--resource', 'Cluster')
    assert dev.table('coe', 'quotas', 'list', '--all-tenants') == []

    # A template in use cannot be deleted.
    # (python-magnumclient prints the refusal but exits 0 here.)
    result = dev.run('coe', 'cluster', 'template', 'delete', 'k8s-1.16')
    assert 'referenced by one or more clusters' in result.stdout + result.stderr
    assert '(HTTP 400)' in result.stdout + result.stderr

    dev.ok('coe', 'cluster', 'delete', 'web')
    assert dev.wait('web')['status'] == 'NOT_FOUND'
    result = dev.run('coe', 'cluster', 'show', 'web')
    assert result.returncode != 0 and '404' in result.stderr
    assert dev.state()['counts']['servers'] == 0
    dev.ok('coe', 'cluster', 'template', 'delete', 'k8s-1.16')
