"""The federation stack: its name, tags, body, and what Heat shows of it.

One stack per federation, in the host cluster's project, named after the
federation's uuid (``federation-<uuid>``) and tagged like every stack of the
service plus ``federation_uuid=<uuid>``. It runs
``fragments/federation/configure-federation.sh`` on each of the host's
masters (``templates/federation.yaml``) with the members' list: per member
its API address, its CA certificate and a client certificate for the
federation controller's identity signed by that member's CA
(``pki.federation_credential``), in a hidden parameter.

Every create or update carries the conductor's ``operation_token`` (a visible
parameter, written in the federation's ``operation_args`` *before* the call):
a conductor that takes over reads it back from the stack and knows whether
the call it finds recorded reached Heat, so it never makes the call twice.
"""
from __future__ import annotations

import json
import os
from typing import Any

from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.common import heat
from magnum_like.common import nodes
from magnum_like.db import api as db
from magnum_like.pki import certificates as pki

FEDERATION_TAG_PREFIX = 'federation_uuid='
#: The stack parameter carrying the token of the call that last changed the stack.
TOKEN_PARAMETER = 'operation_token'

_DRIVER_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'drivers', 'heat', 'k8s_fedora')
TEMPLATE = os.path.join(_DRIVER_DIR, 'templates', 'federation.yaml')
SCRIPT_NAME = 'fragments/federation/configure-federation.sh'
SCRIPT = os.path.join(_DRIVER_DIR, SCRIPT_NAME)


class Failed(Exception):
    """The operation cannot go on; the message is the ``status_reason``."""


def stack_name(federation_uuid: str) -> str:
    """The federation stack's name: the same every time, so it can be adopted."""
    return 'federation-%s' % federation_uuid


def federation_tag(uuid: str) -> str:
    """The tag naming the federation a stack belongs to."""
    return FEDERATION_TAG_PREFIX + uuid


def service_tag() -> str:
    from magnum_like.drivers.heat import driver as heat_driver
    return heat_driver.SERVICE_TAG


def _read(path: str) -> str:
    with open(path, encoding='utf-8') as f:
        return f.read()


def host_of(fed: Any, *, required: bool = True) -> Any | None:
    """The host cluster's row (None if gone and not ``required``).

    :raises Failed: ``required`` and the host is gone or has no stack.
    """
    try:
        host = db.get_cluster_by_uuid(ml_context.get_admin_context(), fed.hostcluster_id)
    except exception.ClusterNotFound:
        if not required:
            return None
        raise Failed('The host cluster %s no longer exists.' % fed.hostcluster_id)
    if required and not host.stack_id:
        raise Failed('The host cluster %s has no stack to deploy onto.' % host.uuid)
    return host


def master_servers(client: heat.HeatClient, host: Any) -> dict[str, str]:
    """``{index: Nova server id}`` of the host cluster's masters (its master group)."""
    from magnum_like.drivers.heat import driver as heat_driver
    group = heat_driver.TemplateDefinition.group_resources['master']
    resources = client.node_resources(host.stack_id)
    top = next((r for r in resources if r.resource_name == group
                and not getattr(r, 'parent_resource', None)), None)
    if top is None or not top.physical_resource_id:
        return {}
    inner = str(top.physical_resource_id)
    servers: dict[str, str] = {}
    for member in resources:
        if (getattr(member, 'parent_resource', None) != group
                or nodes._stack_id_of(member) != inner or not member.physical_resource_id):
            continue
        if 'Nova::Server' in (member.resource_type or ''):
            servers[member.resource_name] = str(member.physical_resource_id)
            continue
        nested = str(member.physical_resource_id)
        for res in resources:
            if ('Nova::Server' in (res.resource_type or '') and res.physical_resource_id
                    and nodes._stack_id_of(res) == nested):
                servers[member.resource_name] = str(res.physical_resource_id)
    return dict(sorted(servers.items()))


def members_json(context: Any, fed: Any) -> str:
    """The members' list the node script reads (credentials included: a hidden parameter)."""
    admin = ml_context.get_admin_context()
    members = []
    for uuid in fed.member_ids or []:
        try:
            member = db.get_cluster_by_uuid(admin, uuid)
        except exception.ClusterNotFound:
            continue  # deleted: it is no longer a member
        if not member.api_address:
            raise Failed('Member cluster %s has no API address.' % uuid)
        try:
            credential = pki.federation_credential(context, member, fed.uuid)
        except exception.CertificateNotFound:
            raise Failed('Member cluster %s has no CA to sign the federation controller\'s '
                         'certificate with.' % uuid)
        address = member.api_address
        if '://' in address:
            address = address.split('://', 1)[1]
        address = address.split('/', 1)[0].rsplit(':', 1)[0] if ':' in address else address
        members.append({'name': member.name or member.uuid, 'uuid': member.uuid,
                        'api_address': address, **credential})
    return json.dumps(members)


def render(federation_uuid: str, host_uuid: str, servers: dict[str, str], members: str,
           timeout_mins: int, token: str = '') -> dict:
    """The federation stack's create (or PATCH) body from its values (no I/O but the files)."""
    return {
        'stack_name': stack_name(federation_uuid),
        'template': _read(TEMPLATE),
        'files': {SCRIPT_NAME: _read(SCRIPT)},
        'parameters': {'federation_uuid': federation_uuid, 'host_cluster_uuid': host_uuid,
                       'master_servers': json.dumps(servers), 'members_json': members,
                       TOKEN_PARAMETER: token},
        'tags': ','.join([service_tag(), federation_tag(federation_uuid)]),
        'timeout_mins': timeout_mins,
        'disable_rollback': True,
    }


def stack_body(context: Any, fed: Any, client: heat.HeatClient, host: Any, token: str) -> dict:
    """The federation stack's body for ``fed`` on ``host`` (reads Heat and the members' CAs)."""
    servers = master_servers(client, host)
    if not servers:
        raise Failed('The host cluster %s has no master servers in its stack.' % host.uuid)
    from magnum_like import conf as ml_conf
    return render(fed.uuid, host.uuid, servers, members_json(context, fed),
                  ml_conf.CONF.conductor.operation_timeout, token)


def find_stack(client: heat.HeatClient, ident: str) -> Any | None:
    """The stack named or identified ``ident`` (None: there is none)."""
    try:
        return client.get_stack(ident, resolve_outputs=False)
    except heat.NotFound:
        return None


def token_of(stack: Any) -> str | None:
    """The ``operation_token`` the stack was last created or updated with."""
    return (getattr(stack, 'parameters', None) or {}).get(TOKEN_PARAMETER) or None
