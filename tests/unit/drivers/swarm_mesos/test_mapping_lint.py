"""The declared parameter mappings and the templates agree, for both drivers."""
from __future__ import annotations

import pytest
import yaml

from magnum_like.drivers.mesos_fedora_atomic_v1 import driver as mesos_driver
from magnum_like.drivers.swarm_fedora_atomic_v2 import driver as swarm_driver
from tests.unit.drivers.swarm_mesos import fakes

DRIVERS = [swarm_driver.Driver, mesos_driver.Driver]
GROUPS = {swarm_driver.Driver: ('swarm_masters', 'swarm_nodes'),
          mesos_driver.Driver: ('mesos_masters', 'mesos_slaves')}
#: Parameters only updates set (their template defaults serve at create).
UPDATE_ONLY = {'update_max_batch_size'}


def _name(driver) -> str:
    return driver.__module__.split('.')[-2]


def _template(driver) -> dict:
    return yaml.safe_load(driver.definition.template(None))


@pytest.mark.parametrize('driver', DRIVERS, ids=_name)
def test_every_mapped_parameter_exists(driver):
    declared = _template(driver)['parameters']
    mapped = [param.heat_param for param in driver.definition.parameters]
    assert len(mapped) == len(set(mapped)), 'a parameter is mapped twice'
    assert not set(mapped) - set(declared)
    for name in (driver.definition.count_param, driver.definition.remove_param,
                 driver.definition.batch_param):
        assert name in declared


@pytest.mark.parametrize('driver', DRIVERS, ids=_name)
def test_every_template_parameter_is_mapped(driver):
    declared = _template(driver)['parameters']
    mapped = {param.heat_param for param in driver.definition.parameters}
    assert {name for name, spec in declared.items() if 'default' not in spec} <= mapped
    assert set(declared) - mapped == UPDATE_ONLY | {driver.definition.remove_param}


@pytest.mark.parametrize('driver', DRIVERS, ids=_name)
def test_nested_templates_accept_what_the_cluster_passes(driver):
    files = driver.definition.files(None)
    cluster = _template(driver)
    nested = 0
    for resource in cluster['resources'].values():
        if resource['type'] == 'OS::Heat::ResourceGroup':
            resource_def = resource['properties']['resource_def']
            kind, props = resource_def['type'], resource_def['properties']
        elif resource['type'].endswith('.yaml'):
            kind, props = resource['type'], resource['properties']
        else:
            continue
        params = yaml.safe_load(files[kind])['parameters']
        assert set(props) <= set(params), kind
        assert {n for n, spec in params.items() if 'default' not in spec} <= set(props), kind
        nested += 1
    assert nested >= 4
    for group in GROUPS[driver]:
        member = cluster['resources'][group]['properties']['resource_def']['type']
        assert 'OS::stack_id' in yaml.safe_load(files[member])['outputs']


@pytest.mark.parametrize('driver', DRIVERS, ids=_name)
def test_every_file_the_templates_name_is_loaded(driver):
    files = driver.definition.files(None)
    texts = [driver.definition.template(None)] + list(files.values())
    named = set()
    for text in texts:
        for line in text.splitlines():
            if 'get_file: fragments/' in line:
                named.add('fragments/' + line.split('get_file: fragments/')[1].split('}')[0])
    assert named and named <= set(files)


@pytest.mark.parametrize('coe', ['swarm-mode', 'mesos'])
def test_rendered_parameters_are_declared(coe):
    driver = swarm_driver.Driver() if coe == 'swarm-mode' else mesos_driver.Driver()
    view = fakes.make_view(coe=coe, server_type='bm', fixed=True, labels={'rexray_preempt': 'true'})
    body = driver.create_stack_body(view)
    assert set(body['parameters']) <= set(_template(type(driver))['parameters'])
    assert body['parameters']['baremetal'] is True
    assert body['parameters']['rexray_preempt'] == 'true'
