#!/usr/bin/env python3
"""Validate Heat stack-create request bodies with OpenStack Heat's own engine code, offline.

Usage: validate_hot.py BODY.json [BODY.json ...]

Each BODY.json is the JSON body a client sends to Heat's `POST /v1/{project}/stacks`:
  {"stack_name": ..., "template": <dict or YAML/JSON string>, "files": {name: text},
   "environment": <dict or string>, "parameters": {...}}

Run it with a Python that has `openstack-heat` installed (e.g. a venv made with
`pip install openstack-heat`). Heat parses the template and every nested template
in `files`, resolves intrinsic functions, and checks each resource's type and
properties against its schema, exactly as the engine does before creating a stack.
There is no cloud here, so lookups that need one (Glance images, Nova flavors,
service catalog) are accepted as they are. Prints `VALID <file>` or the engine's
error, and exits non-zero if any body is invalid.
"""
# Copied verbatim from the team's shared tools (../shared/tools/validate_hot.py)
# so a clean clone can run it; keep the two in step. Used by
# tests/unit/drivers/k8s/test_render.py.
import json
import sys

from oslo_config import cfg

cfg.CONF([], project='heat')

from heat.common import context, template_format  # noqa: E402
from heat.engine import constraints, environment, resource, resources  # noqa: E402
from heat.engine import stack as stack_mod, template  # noqa: E402
from heat.engine.resources import stack_resource  # noqa: E402
from heat.engine.resources.openstack.heat import resource_group  # noqa: E402
from heat.engine.resources.openstack.nova import server as nova_server  # noqa: E402

resources.initialise()

# No cloud on this machine: custom constraints, image/flavor lookups and the
# service catalog are taken as satisfied.
constraints.CustomConstraint.validate = lambda self, value, context=None, template=None: True
constraints.CustomConstraint._is_valid = lambda *a, **k: True
resource.Resource._validate_service_availability = lambda *a, **k: None
nova_server.Server._validate_image_flavor = lambda self, image, flavor: None
# A new stack has no nested group to inspect, and counting resources across
# nested stacks needs the engine over RPC.
resource_group.ResourceGroup._get_new_skiplist_entries = lambda self, props, current: []
cfg.CONF.set_override('max_resources_per_stack', -1)


# Validate every nested stack, strictly, before anything is created.
def _validate_nested_always(self):
    resource.Resource.validate(self)
    self.validate_nested_stack()


stack_resource.StackResource.validate = _validate_nested_always
stack_mod.Stack.strict_validate = property(lambda self: True, lambda self, value: None)


def _load(value):
    if isinstance(value, str):
        return template_format.parse(value)
    return value


def validate_body(body):
    tmpl_dict = _load(body['template'])
    env_dict = body.get('environment') or {}
    if isinstance(env_dict, str):
        env_dict = template_format.yaml.safe_load(env_dict) or {}
    env_dict = dict(env_dict)
    params = dict(env_dict.get('parameters') or {})
    params.update(body.get('parameters') or {})
    env_dict['parameters'] = params
    env = environment.Environment(env_dict)
    tmpl = template.Template(tmpl_dict, files=body.get('files') or {}, env=env)
    ctx = context.RequestContext(user_id='validator', project_id='validator', is_admin=False)
    st = stack_mod.Stack(ctx, body.get('stack_name') or 'validate', tmpl)
    st.validate(validate_res_tmpl_only=False)


def main(paths):
    bad = 0
    for path in paths:
        with open(path) as f:
            body = json.load(f)
        try:
            validate_body(body)
            print('VALID', path)
        except Exception as exc:  # report the engine's own message
            bad += 1
            print('INVALID %s: %s: %s' % (path, type(exc).__name__, exc))
    return 1 if bad else 0


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
