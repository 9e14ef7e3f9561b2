"""The simulated Heat refuses stacks over ``max_resources_per_stack`` (issue 11 item 3)."""

from __future__ import annotations

import pytest
from heatclient import exc as heat_exc

GROUP = """
heat_template_version: wallaby
parameters:
  count: {type: number, default: 1}
resources:
  group:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: count}
      resource_def: {type: member.yaml}
"""
MEMBER = """
heat_template_version: wallaby
resources:
  a: {type: OS::Heat::Value, properties: {value: x}}
  b: {type: OS::Heat::Value, properties: {value: y}}
"""


@pytest.mark.parametrize('count', [2 ** 31, 10 ** 30, 334])
def test_create_over_the_limit_is_400(heat, sim, count):
    # 334 members of 3 resources each (the member stack and its two) + the group: 1003.
    with pytest.raises(heat_exc.HTTPBadRequest) as caught:
        heat.stacks.create(stack_name='big', template=GROUP, files={'member.yaml': MEMBER},
                           parameters={'count': count})
    assert 'Maximum resources per stack exceeded' in str(caught.value)
    assert not sim.engine.stacks


def test_update_over_the_limit_is_400_and_the_stack_is_kept(heat, sim):
    heat.stacks.create(stack_name='small', template=GROUP, files={'member.yaml': MEMBER},
                       parameters={'count': 333})
    assert sim.wait_stack('small') == 'CREATE_COMPLETE'
    with pytest.raises(heat_exc.HTTPBadRequest) as caught:
        heat.stacks.update('small', existing=True, parameters={'count': 334})
    assert 'Maximum resources per stack exceeded' in str(caught.value)
    stack = heat.stacks.get('small')
    assert stack.stack_status == 'CREATE_COMPLETE' and stack.parameters['count'] == '333'


def test_limit_is_configurable(heat, sim):
    sim.engine.max_resources_per_stack = 5
    with pytest.raises(heat_exc.HTTPBadRequest):
        heat.stacks.create(stack_name='s', template=GROUP, files={'member.yaml': MEMBER},
                           parameters={'count': 2})
    sim.engine.max_resources_per_stack = -1
    heat.stacks.create(stack_name='s', template=GROUP, files={'member.yaml': MEMBER},
                       parameters={'count': 2})
    assert sim.wait_stack('s') == 'CREATE_COMPLETE'
