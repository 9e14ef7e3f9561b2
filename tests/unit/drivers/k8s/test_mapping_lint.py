"""The declared parameter mappings and the templates agree, for both drivers."""
from __future__ import annotations

import pytest
import yaml

from magnum_like.drivers.heat.k8s_fedora import driver as k8s_driver
from magnum_like.drivers.k8s_fedora_atomic_v1 import driver as atomic_driver
from magnum_like.drivers.k8s_fedora_ironic_v1 import driver as ironic_driver
from tests.unit.drivers.k8s import fakes

DRIVERS = [atomic_driver.Driver, ironic_driver.Driver]
#: Parameters only updates set (their template defaults serve at create).
UPDATE_ONLY = {'minions_to_remove', 'update_max_batch_size'}
#: Parameters only a node group's stack sets (from the cluster stack's outputs).
NODEGROUP_ONLY = {param for _output, param, _required in k8s_driver.NODEGROUP_JOIN
                  if param.startswith('existing_')}
#: Parameters a driver leaves at the template's default on purpose.
LEFT_AT_DEFAULT = {
    'k8s_fedora_atomic_v1': set(),
    # no Cinder on baremetal
    'k8s_fedora_ironic_v1': {'docker_volume_type', 'etcd_volume_type', 'boot_volume_type'},
}


def _template_parameters(driver) -> dict:
    definition = driver.definition
    text = definition.template(None)
    return yaml.safe_load(text)['parameters']


@pytest.mark.parametrize('driver', DRIVERS, ids=lambda d: d.__module__.split('.')[-2])
def test_every_mapped_parameter_exists(driver):
    declared = _template_parameters(driver)
    mapped = [param.heat_param for param in driver.definition.parameters]
    assert len(mapped) == len(set(mapped)), 'a parameter is mapped twice'
    assert not set(mapped) - set(declared)
    assert driver.definition.count_param in declared
    assert driver.definition.remove_param in declared
    assert driver.definition.batch_param in declared


@pytest.mark.parametrize('driver', DRIVERS, ids=lambda d: d.__module__.split('.')[-2])
def test_every_required_parameter_is_mapped(driver):
    declared = _template_parameters(driver)
    required = {name for name, spec in declared.items() if 'default' not in spec}
    mapped = {param.heat_param for param in driver.definition.parameters}
    assert required <= mapped
    # Everything else is mapped, set by updates only, or left at its default on purpose.
    name = driver.__module__.split('.')[-2]
    assert set(declared) - mapped == UPDATE_ONLY | NODEGROUP_ONLY | LEFT_AT_DEFAULT[name]
    assert len(NODEGROUP_ONLY) == 4


@pytest.mark.parametrize('driver', DRIVERS, ids=lambda d: d.__module__.split('.')[-2])
def test_member_templates_accept_what_the_cluster_passes(driver):
    files = driver.definition.files(None)
    cluster = yaml.safe_load(driver.definition.template(None))
    for group in ('kube_masters', 'kube_minions'):
        resource_def = cluster['resources'][group]['properties']['resource_def']
        member = yaml.safe_load(files[resource_def['type']])
        assert set(resource_def['properties']) == set(member['parameters'])
        assert 'OS::stack_id' in member['outputs']


def test_rendered_parameters_are_declared():
    view = fakes.make_view(server_type='bm', fixed=True)
    body = ironic_driver.Driver().create_stack_body(view)
    assert set(body['parameters']) <= set(_template_parameters(ironic_driver.Driver))
