"""Health monitoring and auto-healing as deployed (issue 15), with the default
``[trust] cluster_user_trust = false``.

The clusters' nodes get their trustee's user and password but no trust: the
simulated master authenticates as the trustee (an unscoped token), fetches its
CA and has its API certificate signed, and only then serves the API the
conductors check. Two clusters of ``demo`` serve every test here (made once,
deleted at the end): ``heal`` (auto-healing by the service, two workers) and
``selfrep`` (``auto_healing_controller=magnum-auto-healer``: it reports its
own health through the API as its trustee).
"""
from __future__ import annotations

import pytest
import requests
import sqlalchemy as sa

from tests.functional.deployment import conftest as deploy

TEMPLATE = 'k8s-health'
KEYPAIR = 'healthkey'
HEADERS = {'OpenStack-API-Version': 'container-infra latest'}
#: Seconds a health change may take (many check intervals; polled).
WAIT = 180


def _api(deployment, session, method: str, path: str, **kwargs):
    return session.request(deployment.api_url + path, method, raise_exc=False,
                           headers=HEADERS, **kwargs)


def _sim(deployment, method: str, path: str, body=None):
    resp = requests.request(method, deployment.sim_url + path, json=body, timeout=30)
    assert resp.status_code < 300, resp.text
    return resp.json() if resp.content else None


def _nodes(deployment, uuid: str) -> list[dict]:
    return deployment.sim_state()['clusters'][uuid]['nodes']


def _show(deployment, uuid: str) -> dict:
    resp = _api(deployment, deployment.session('demo'), 'GET', '/v1/clusters/%s' % uuid)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _until_health(deployment, uuid: str, status: str, test=lambda row: True) -> dict:
    def check():
        row = _show(deployment, uuid)
        return row if row['health_status'] == status and test(row) else None
    return deploy.wait_for(check, timeout=WAIT, interval=0.5,
                           what='cluster %s to be %s' % (uuid, status))


@pytest.fixture(scope='module')
def clusters(deployment):
    """``{'heal': uuid, 'selfrep': uuid}``, both CREATE_COMPLETE; deleted afterwards."""
    deploy.keypair_and_template(
        deployment, KEYPAIR, TEMPLATE, '--labels',
        'auto_healing_enabled=true,auto_healing_controller=magnum-like,'
        'auto_healing_grace_period=5')
    demo = deployment.session('demo')
    uuids = {}
    for name, count, labels in (
            ('heal', 2, None),
            ('selfrep', 1, {'auto_healing_controller': 'magnum-auto-healer'})):
        body = {'name': name, 'cluster_template_id': TEMPLATE, 'node_count': count,
                'master_count': 1}
        if labels:
            body['labels'] = labels
        resp = _api(deployment, demo, 'POST', '/v1/clusters', json=body)
        assert resp.status_code == 202, resp.text
        uuids[name] = resp.json()['uuid']
    try:
        def complete():
            rows = deployment.clusters()
            states = {n: rows.get(u, {}).get('status') for n, u in uuids.items()}
            assert not any(s and s.endswith('_FAILED') for s in states.values()), states
            return all(s == 'CREATE_COMPLETE' for s in states.values())
        deploy.wait_for(complete, timeout=300, what='the health clusters', interval=1)
        yield uuids
    finally:
        _sim(deployment, 'DELETE', '/_sim/faults')
        for uuid in uuids.values():
            _api(deployment, demo, 'DELETE', '/v1/clusters/%s' % uuid)
        deploy.wait_for(lambda: not set(uuids.values()) & set(deployment.clusters()),
                        timeout=300, what='the health clusters to be deleted', interval=1)
        deployment.openstack('coe', 'cluster', 'template', 'delete', TEMPLATE)
        deployment.openstack('keypair', 'delete', KEYPAIR)


def _trustee_session(deployment, uuid: str):
    """A keystoneauth session of the cluster's trustee with its password and no
    scope, as the cluster's nodes authenticate when they have no trust."""
    from keystoneauth1.identity import v3
    from keystoneauth1 import session as ks_session
    from magnum_like.common import crypto
    engine = sa.create_engine(deployment.db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(sa.text(
                'SELECT trustee_user_id, trustee_password FROM cluster '
                'WHERE uuid = :uuid'), {'uuid': uuid}).one()
    finally:
        engine.dispose()
    assert row.trustee_user_id and row.trustee_password
    password = crypto.decrypt(row.trustee_password, [deployment.trustee_key],
                              option='trustee key')
    return ks_session.Session(auth=v3.Password(
        auth_url=deployment.keystone.url, user_id=row.trustee_user_id, password=password,
        unscoped=True))


def test_new_cluster_becomes_healthy(deployment, clusters):
    """Every node Ready and the API fine: HEALTHY, with Magnum's reason shape."""
    for uuid in clusters.values():
        row = _until_health(deployment, uuid, 'HEALTHY')
        nodes = _nodes(deployment, uuid)
        assert row['health_status_reason'] == dict(
            {'api': 'ok'}, **{'%s.Ready' % n['name']: 'True' for n in nodes}), row


def test_trustee_reports_health_of_its_own_cluster_only(deployment, clusters):
    """The cluster's trustee (unscoped, password) may read its cluster and CA and
    PATCH its health; another cluster's trustee and another project's member get 404."""
    heal, selfrep = clusters['heal'], clusters['selfrep']
    _until_health(deployment, selfrep, 'HEALTHY')
    # The service cannot reach selfrep's API any more: it keeps what the cluster reports.
    fault = _sim(deployment, 'POST', '/_sim/faults', {'kind': 'coe_api', 'cluster': selfrep})
    try:
        trustee = _trustee_session(deployment, selfrep)
        assert _api(deployment, trustee, 'GET', '/v1/clusters/%s' % selfrep).status_code == 200
        ca = _api(deployment, trustee, 'GET', '/v1/certificates/%s' % selfrep)
        assert ca.status_code == 200 and 'BEGIN CERTIFICATE' in ca.json()['pem'], ca.text
        # Nothing else: no list, no other cluster, no change but health.
        assert _api(deployment, trustee, 'GET', '/v1/clusters').status_code == 403
        for path in ('/v1/clusters/%s' % heal, '/v1/certificates/%s' % heal):
            assert _api(deployment, trustee, 'GET', path).status_code == 404, path
        resize = _api(deployment, trustee, 'PATCH', '/v1/clusters/%s' % selfrep,
                      json=[{'op': 'replace', 'path': '/node_count', 'value': 2}])
        assert resize.status_code == 403, resize.text

        report = [{'op': 'replace', 'path': '/health_status', 'value': 'UNHEALTHY'},
                  {'op': 'replace', 'path': '/health_status_reason',
                   'value': {'api': 'ok', 'worker-0.Ready': 'False'}}]
        other = _api(deployment, trustee, 'PATCH', '/v1/clusters/%s' % heal, json=report)
        assert other.status_code == 404, other.text
        heal_trustee = _trustee_session(deployment, heal)
        assert _api(deployment, heal_trustee, 'PATCH', '/v1/clusters/%s' % selfrep,
                    json=report).status_code == 404
        neighbour = _api(deployment, deployment.session('neighbour'), 'PATCH',
                         '/v1/clusters/%s' % selfrep, json=report)
        assert neighbour.status_code == 404, neighbour.text

        own = _api(deployment, trustee, 'PATCH', '/v1/clusters/%s' % selfrep, json=report)
        assert own.status_code == 202, own.text
        row = _until_health(deployment, selfrep, 'UNHEALTHY')
        assert row['health_status_reason'] == {'api': 'ok', 'worker-0.Ready': 'False'}
        assert _show(deployment, heal)['health_status'] == 'HEALTHY'
    finally:
        _sim(deployment, 'DELETE', '/_sim/faults/%s' % fault['id'])
    # Reachable again: the service's own check replaces the report.
    _until_health(deployment, selfrep, 'HEALTHY')


def test_not_ready_worker_is_named_then_replaced(deployment, clusters):
    """A NotReady worker: UNHEALTHY naming it; after the grace period its server is
    replaced (a new id), the node count is unchanged, and the cluster is HEALTHY."""
    uuid = clusters['heal']
    _until_health(deployment, uuid, 'HEALTHY')
    before = _nodes(deployment, uuid)
    workers = [n for n in before if not n['master']]
    assert len(workers) == 2
    sick = workers[0]
    fault = _sim(deployment, 'POST', '/_sim/faults',
                 {'kind': 'node', 'server': sick['name'], 'condition': 'NotReady'})
    row = _until_health(deployment, uuid, 'UNHEALTHY')
    reason = row['health_status_reason']
    assert reason['%s.Ready' % sick['name']] != 'True', reason  # Unknown: kubelet silent
    assert reason['%s.Ready' % workers[1]['name']] == 'True', reason

    def replaced():
        servers = {n['server_id'] for n in _nodes(deployment, uuid)}
        return sick['server_id'] not in servers
    deploy.wait_for(replaced, timeout=WAIT, interval=0.5,
                    what='the NotReady worker\'s server to be replaced')
    _sim(deployment, 'DELETE', '/_sim/faults/%s' % fault['id'])
    row = _until_health(deployment, uuid, 'HEALTHY',
                        lambda r: r['status'] == 'UPDATE_COMPLETE')
    after = _nodes(deployment, uuid)
    assert row['node_count'] == 2 and len([n for n in after if not n['master']]) == 2
    new = {n['server_id'] for n in after} - {n['server_id'] for n in before}
    assert len(new) == 1 and sick['server_id'] not in {n['server_id'] for n in after}
    assert any('replacing node %s' % sick['name'] in deployment.log(host)
               for host in deployment.hosts)
