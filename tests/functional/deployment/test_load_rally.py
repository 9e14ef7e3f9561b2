"""Rally's Magnum scenarios (the ``rally-openstack`` package) against the deployment.

Operators benchmark Magnum with Rally: ``MagnumClusterTemplates.list_cluster_templates``,
``MagnumClusters.list_clusters`` and ``MagnumClusters.create_and_list_clusters`` with
Rally's ``users``, ``cluster_templates`` and ``clusters`` contexts (Rally makes its own
projects and users in Keystone, keypairs in Nova, templates and clusters through
python-magnumclient, and deletes all of it afterwards), and ``K8sPods.create_pods`` and
``K8sPods.create_rcs``, which create pods and replication controllers in ``default``
through the cluster's own Kubernetes API (at its ``api_address``, with the official
``kubernetes`` client) and wait until a pod is ``Ready`` and an RC's ``status.replicas``
is its ``spec.replicas``. This runs them, as the
rally-openstack samples and its own CI job configure them (Kubernetes, Swarm and Mesos
templates; fewer iterations), against the deployment of ``conftest.py``, and requires
every iteration, every context's setup and cleanup, and every SLA to pass, and the
deployment to be left as found (no clusters, templates, stacks, trustee users).

Rally lives in a venv of its own, ``.tox/rally`` (git-ignored; its dependencies clash
with the project's), made on the first run from PyPI under ``upper-constraints.txt``
(about two minutes) and reused while it holds :data:`RALLY_OPENSTACK`. Rally's database
is SQLite in the test's temp dir; ``HOME`` points there too, so nothing is written
outside it.

The ``K8sPods`` workloads use ``tls_disabled`` templates, as Rally's own samples do:
Rally's ``ca_certs`` context (TLS clusters) writes the key it generated, ``bytes``, to a
file opened as text and fails on Python 3, so a TLS cluster's API cannot be reached
from Rally; a ``tls_disabled`` cluster's API is plain HTTP on port 8080. The manifests
are written to the test's temp dir (rally-openstack's wheel ships no samples): an nginx
pod and an nginx RC of 2 replicas, as its samples have them.

Not run: ``K8sPods.list_pods``. It calls the Kubernetes client's
``list_node(namespace=...)``, which every version of the client refuses before sending
anything (a Rally bug, not the service's).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import time

import pytest
import sqlalchemy as sa

from magnum_like.pki import spares
from tests.fixtures import keystone as keystone_fixture
from tests.fixtures import tool_venv
from tests.functional.deployment import conftest as deploy

ROOT = tool_venv.ROOT
RALLY_OPENSTACK = ('rally-openstack', '4.1.0')
VENV = os.path.join(ROOT, '.tox', 'rally')
#: Seconds for the whole Rally task (it takes about two minutes here).
TASK_TIMEOUT = 1200

_BASE = {'image_id': 'fedora-atomic-latest', 'external_network_id': 'public',
         'dns_nameserver': '8.8.8.8', 'flavor_id': 'm1.small', 'master_flavor_id': 'm1.small',
         'docker_volume_size': 5, 'docker_storage_driver': 'devicemapper',
         'master_lb_enabled': False}
#: Rally's ``cluster_templates`` context as its samples and CI job write it, per COE
#: (the Mesos sample's image is an Ubuntu one; this service's Mesos driver is on
#: Fedora Atomic).
TEMPLATES = {
    'kubernetes': dict(_BASE, coe='kubernetes', network_driver='flannel'),
    'swarm': dict(_BASE, coe='swarm', network_driver='docker'),
    'mesos': {'image_id': 'fedora-atomic-latest', 'external_network_id': 'public',
              'dns_nameserver': '8.8.8.8', 'flavor_id': 'm1.small', 'coe': 'mesos',
              'network_driver': 'docker'},
}
#: The K8sPods workloads' template and contexts (Rally's samples: TLS off, 2 nodes).
K8S_PODS = {'cluster_templates': dict(TEMPLATES['kubernetes'], tls_disabled=True),
            'clusters': {'node_count': 2}, 'ca_certs': {'directory': ''}}
#: Where the task file names the manifests; replaced by the test's temp dir.
ARTIFACTS = '@ARTIFACTS@'
#: The manifests (file name -> YAML), as rally-openstack's samples write them.
MANIFESTS = {
    'nginx.yaml.k8s': (
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx-1\n  labels:\n'
        '    app: nginx-1\nspec:\n  containers:\n  - name: nginx-1\n    image: nginx\n'
        '    ports:\n    - containerPort: 80\n'),
    'rc_nginx.yaml.k8s': (
        'apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: nginx-controller\n'
        'spec:\n  replicas: 2\n  selector:\n    name: nginx\n  template:\n    metadata:\n'
        '      labels:\n        name: nginx\n    spec:\n      containers:\n'
        '      - name: nginx\n        image: nginx\n        ports:\n'
        '        - containerPort: 80\n'),
}


def _workload(scenario: str, args: dict, times: int, contexts: dict,
              tenants: int = 1, users_per_tenant: int = 1) -> dict:
    return {'scenario': {scenario: args},
            'runner': {'constant': {'times': times, 'concurrency': 2}},
            'contexts': {'users': {'tenants': tenants, 'users_per_tenant': users_per_tenant},
                         **contexts},
            'sla': {'failure_rate': {'max': 0}}}


#: (title, workload): what the task runs, in order.
WORKLOADS = [
    *[('list templates %s' % coe,
       _workload('MagnumClusterTemplates.list_cluster_templates', {}, 4 if coe == 'kubernetes'
                 else 2, {'cluster_templates': TEMPLATES[coe]}))
      for coe in ('kubernetes', 'swarm', 'mesos')],
    ('list clusters kubernetes',
     _workload('MagnumClusters.list_clusters', {}, 4,
               {'cluster_templates': TEMPLATES['kubernetes'], 'clusters': {'node_count': 2}},
               tenants=2)),
    ('create and list clusters kubernetes',
     _workload('MagnumClusters.create_and_list_clusters', {'node_count': 1}, 4,
               {'cluster_templates': TEMPLATES['kubernetes']}, users_per_tenant=2)),
    ('create and list clusters swarm',
     _workload('MagnumClusters.create_and_list_clusters', {'node_count': 1}, 2,
               {'cluster_templates': TEMPLATES['swarm']})),
    ('create pods kubernetes',
     _workload('K8sPods.create_pods', {'manifests': [ARTIFACTS + '/nginx.yaml.k8s']}, 4,
               K8S_PODS)),
    ('create rcs kubernetes',
     _workload('K8sPods.create_rcs', {'manifests': [ARTIFACTS + '/rc_nginx.yaml.k8s']}, 4,
               K8S_PODS)),
]


@pytest.fixture(scope='module')
def rally_bin() -> str:
    """``rally`` of :data:`VENV`, installed on first use (a failed install fails in CI)."""
    pins = dict([RALLY_OPENSTACK])
    try:
        python = tool_venv.ensure(VENV, ['%s==%s' % RALLY_OPENSTACK],
                                  lambda python: tool_venv.has_versions(python, pins))
    except subprocess.CalledProcessError as error:
        deploy.unavailable('cannot install %s==%s into %s: %s' % (
            *RALLY_OPENSTACK, VENV, (error.stderr or '')[-2000:]))
    except subprocess.TimeoutExpired as error:
        deploy.unavailable('installing rally-openstack timed out: %s' % error)
    assert tool_venv.has_versions(python, pins)
    return os.path.join(VENV, 'bin', 'rally')


class Rally:
    """The ``rally`` CLI with its own config, SQLite database and ``HOME`` in ``tmp``."""

    def __init__(self, binary: str, tmp) -> None:
        self.binary = binary
        self.tmp = tmp
        self.config = tmp / 'rally.conf'
        self.config.write_text(
            '[database]\nconnection = sqlite:///%s\n'
            '[openstack]\n'
            # The simulator builds a cluster in seconds: poll every second, from the start.
            'magnum_cluster_create_prepoll_delay = 0\n'
            'magnum_cluster_create_poll_interval = 1\n'
            'magnum_cluster_create_timeout = 300\n'
            # The simulated cluster runs a pod at once: poll every 0.2 s, for at most 60 s.
            'k8s_pod_create_poll_interval = 0.2\nk8s_pod_create_timeout = 60\n'
            'k8s_rc_create_poll_interval = 0.2\nk8s_rc_create_timeout = 60\n'
            % (tmp / 'rally.sqlite'))
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(('OS_', 'RALLY_'))}
        self.env['HOME'] = str(tmp)

    def __call__(self, *args: str, timeout: float = 300, check: bool = True):
        result = subprocess.run([self.binary, '--config-file', str(self.config), *args],
                                env=self.env, cwd=str(self.tmp), capture_output=True,
                                text=True, timeout=timeout)
        if check:
            assert result.returncode == 0, (args, result.stdout[-3000:], result.stderr[-3000:])
        return result


def _trustee_users(deployment) -> set[str]:
    admin = deployment.keystone_admin()
    return {u.name for u in admin.users.list(domain=deployment.ids['domain'])
            if u.id != deployment.ids['domain_admin'] and spares.parse(u) is None}


def _leftovers(deployment) -> dict:
    """What Rally's resources could leave behind: template and cluster rows (of every
    project), live stacks, trustee users."""
    engine = sa.create_engine(deployment.db_url, poolclass=sa.pool.NullPool)
    found = {}
    with engine.connect() as conn:
        for table in ('cluster_template', 'cluster', 'nodegroup'):
            found[table] = sorted(conn.execute(sa.text('SELECT uuid FROM %s' % table)).scalars())
    stacks = dict(deployment.sim_state()['stacks'])
    stacks.pop('DELETE_COMPLETE', None)
    found['stacks'] = stacks
    found['trustees'] = sorted(_trustee_users(deployment))
    return found


def _report_problems(report: dict) -> list[str]:
    """Every failed iteration, context step or SLA of a ``rally task report --json``."""
    problems = []
    for task in report['tasks']:
        for subtask in task['subtasks']:
            for workload in subtask['workloads']:
                where = '%s: %s' % (subtask['title'], next(iter(workload['scenario'])))
                times = workload['runner']['constant']['times']
                if workload['total_iteration_count'] != times:
                    problems.append('%s ran %s of %s iterations' % (
                        where, workload['total_iteration_count'], times))
                for number, iteration in enumerate(workload['data'], 1):
                    if iteration['error']:
                        problems.append('%s iteration %d: %s' % (
                            where, number, '\n'.join(iteration['error'])[-3000:]))
                for ctx in workload['contexts_results']:
                    for step in ('setup', 'cleanup'):
                        if ctx[step]['error']:
                            kind, message = ctx[step]['error'][:2]
                            problems.append('%s context %s %s: %s: %s' % (
                                where, ctx['plugin_name'], step, kind, message))
                for sla in workload['sla_results'].get('sla', []):
                    if not sla['success']:
                        problems.append('%s SLA: %s' % (where, sla['detail']))
    return problems


def test_rally_magnum_scenarios(deployment, rally_bin, tmp_path):
    before = _leftovers(deployment)
    rally = Rally(rally_bin, tmp_path)
    rally('db', 'create')
    spec = tmp_path / 'env.json'
    spec.write_text(json.dumps({'existing@openstack': {
        'auth_url': deployment.keystone.url, 'region_name': 'RegionOne',
        'endpoint_type': 'public',
        'admin': {'username': 'admin', 'password': keystone_fixture.ADMIN_PASSWORD,
                  'project_name': 'admin', 'user_domain_name': 'Default',
                  'project_domain_name': 'Default'}}}))
    rally('env', 'create', '--name', 'magnum_like', '--spec', str(spec), '--no-use')
    check = rally('env', 'check', '--env', 'magnum_like', check=False)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]

    artifacts = tmp_path / 'artifacts'
    artifacts.mkdir()
    for name, text in MANIFESTS.items():
        (artifacts / name).write_text(text)
    task_file = tmp_path / 'task.json'
    task_file.write_text(json.dumps({
        'version': 2, 'title': 'magnum_like: Rally Magnum scenarios',
        'subtasks': [{'title': title, 'workloads': [workload]}
                     for title, workload in WORKLOADS]}, indent=1).replace(
                         ARTIFACTS, str(artifacts)))
    started = time.monotonic()
    run = rally('task', 'start', '--env', 'magnum_like', '--no-use', str(task_file),
                timeout=TASK_TIMEOUT, check=False)
    (tmp_path / 'task.log').write_text(run.stdout + run.stderr)
    uuids = re.findall(r'Task ([0-9a-f]{8}-[0-9a-f-]{27})', run.stdout + run.stderr)
    assert uuids, run.stdout[-3000:] + run.stderr[-3000:]
    report_file = tmp_path / 'report.json'
    rally('task', 'report', uuids[0], '--json', '--out', str(report_file))
    report = json.loads(report_file.read_text())
    problems = _report_problems(report)
    assert not problems, '\n\n'.join(problems)
    # 0: no error (1: an error, 2: an SLA failed), after the report's details above.
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    ran = [next(iter(w['scenario'])) for t in report['tasks'] for s in t['subtasks']
           for w in s['workloads']]
    assert ran == [next(iter(w['scenario'])) for _, w in WORKLOADS]
    assert report['tasks'][0]['status'] == 'finished' and report['tasks'][0]['pass_sla']
    print('rally task took %.0f s' % (time.monotonic() - started))
    for task in report['tasks']:
        for subtask in task['subtasks']:
            for workload in subtask['workloads']:
                durations = [i['duration'] for i in workload['data']]
                print('  %s: %d iterations, mean %.2f s, max %.2f s' % (
                    subtask['title'], len(durations), sum(durations) / len(durations),
                    max(durations)))

    # Rally deleted everything it made; the service let it (rows, stacks, trustees go).
    deploy.wait_for(lambda: _leftovers(deployment) == before, timeout=60,
                    what='the deployment as before Rally (%s)' % before, interval=1)
