"""What the driver families share is written once, in ``drivers/heat/common``,
and reaches Heat through each definition's ``files`` map (issue 12 item 5).

The Docker family (swarm mode, Mesos) takes nothing from the Kubernetes
family's folder; the node library, the master port and the final report to
Heat are the same files for every driver; each driver's heat-params tells the
shared report what to check.
"""
from __future__ import annotations

import os
import re

import pytest
import yaml

from magnum_like.db import models
from magnum_like.drivers.heat import common
from magnum_like.drivers.heat import k8s_fedora
from magnum_like.drivers.heat.docker_fedora import driver as docker_driver
from magnum_like.drivers.k8s_fedora_atomic_v1 import driver as atomic_driver
from magnum_like.drivers.k8s_fedora_ironic_v1 import driver as ironic_driver
from magnum_like.drivers.mesos_fedora_atomic_v1 import driver as mesos_driver
from magnum_like.drivers.swarm_fedora_atomic_v2 import driver as swarm_driver
from tests.unit.drivers.k8s import fakes

DRIVERS = {'k8s-vm': atomic_driver.Driver(), 'k8s-bm': ironic_driver.Driver(),
           'swarm-mode': swarm_driver.Driver(), 'mesos': mesos_driver.Driver()}
SHARED = ('fragments/lib.sh', 'fragments/report-done.sh', 'fragments/configure-proxy.sh',
          'masterport.yaml')


def _common(path: str) -> str:
    folder = 'fragments' if path.startswith('fragments/') else 'templates'
    with open(os.path.join(common.DIRECTORY, folder, os.path.basename(path)),
              encoding='utf-8') as f:
        return f.read()


@pytest.mark.parametrize('name', sorted(DRIVERS))
def test_every_driver_gets_the_shared_files_from_the_common_folder(name):
    files = DRIVERS[name].definition.files(None)
    for path in SHARED:
        assert files[path] == _common(path), path
    # ... and nothing of another family's by a relative path.
    for text in files.values():
        assert '../' not in ''.join(re.findall(r'get_file:\s*(\S+)', text))


def test_the_docker_family_does_not_reach_into_the_kubernetes_family():
    assert k8s_fedora.DIRECTORY not in docker_driver.DockerFedoraDefinition.shared_directories
    with open(docker_driver.__file__, encoding='utf-8') as f:
        assert 'k8s_fedora' not in f.read()
    k8s_texts = set()
    for folder, _dirs, names in os.walk(k8s_fedora.DIRECTORY):
        for name in names:
            if not name.endswith(('.py', '.pyc')):
                with open(os.path.join(folder, name), encoding='utf-8') as f:
                    k8s_texts.add(f.read())
    for name in ('swarm-mode', 'mesos'):
        files = DRIVERS[name].definition.files(None)
        assert not [path for path, text in files.items() if text in k8s_texts], name


def test_node_library_is_family_neutral():
    """lib.sh sources a family's library only where the nodes have one (swarm
    and Mesos nodes have no kubectl library to source)."""
    text = _common('fragments/lib.sh')
    assert 'kubectl' not in text and '/etc/kubernetes' not in text
    assert '[ -f /usr/local/lib/k8s-node/lib-coe.sh ]' in text


@pytest.mark.parametrize('name', sorted(DRIVERS))
def test_each_heat_params_tells_report_done_what_to_check(name):
    files = DRIVERS[name].definition.files(None)
    assert 'fragments/master-done.sh' not in files
    params = files['fragments/heat-params.tmpl']
    assert re.search(r"^ENGINE_NAME='[^']+'$", params, re.M)
    assert re.search(r"^DONE_CHECK='[^']+'$", params, re.M)


def test_the_workers_yaml_is_written_once():
    """A node group's stack is the cluster template building only its workers:
    one ``kube_minions`` definition (and one parameter list) for both stacks."""
    driver = DRIVERS['k8s-vm']
    view = fakes.make_view()
    view.extra['cluster_stack_outputs'] = {
        'api_address_private': '10.0.0.100', 'minion_security_groups': ['sg'],
        'fixed_network': 'net', 'fixed_subnet': 'subnet'}
    ng = models.NodeGroup(uuid='6a1f0d5e-1111-4000-8000-000000000002', name='pool',
                          cluster_id=fakes.CLUSTER_UUID, role='worker', is_default=False,
                          node_count=1, labels={})
    body = driver.nodegroup_stack_body(view, ng)
    assert body['template'] == driver.create_stack_body(view)['template']
    assert body['parameters']['existing_master_private_ip'] == '10.0.0.100'
    resources = yaml.safe_load(body['template'])['resources']
    assert resources['kube_masters']['condition'] == 'cluster_stack'
    assert 'condition' not in resources['kube_minions']
    assert not os.path.exists(os.path.join(k8s_fedora.DIRECTORY, 'nodegroup'))
