"""Base of the drivers that build clusters with Heat.

A Heat driver is a ``TemplateDefinition`` (its templates, fragments, parameter
and output mappings — data) plus ``HeatDriver``, which turns a ``ClusterView``
into stack-create and stack-update bodies and reads finished stacks back.
Node counts are ResourceGroup counts, so a body does not grow with the
cluster; templates and fragments are read from disk once per process.
"""
from __future__ import annotations

import functools
import ipaddress
import os
from typing import Any, ClassVar

from magnum_like.common import exception
from magnum_like.common import heat
from magnum_like.common import nodes as ml_nodes
from magnum_like.drivers import base
from magnum_like.drivers.heat import mapping

# Stack names and tags are written once, in magnum_like/common/heat.py.
SERVICE_TAG = heat.SERVICE_TAG
cluster_tag = heat.cluster_tag
stack_name = heat.stack_name


@functools.lru_cache(maxsize=None)
def read_file(path: str) -> str:
    """A template or fragment's text, read once per process."""
    with open(path, encoding='utf-8') as f:
        return f.read()


class TemplateDefinition:
    """The data of one Heat driver.

    :cvar directory: the driver's folder (``templates/`` and ``fragments/`` inside).
    :cvar shared_directories: folders laid out the same way whose templates and
        fragments the driver also uses (several drivers' common files); the
        driver's own files win over theirs when names clash.
    :cvar main_template: the cluster stack template, relative to ``templates/``.
    :cvar parameters: ``mapping.Param`` list.
    :cvar outputs: ``mapping.Output`` list.
    :cvar count_param: the Heat parameter holding the worker count.
    :cvar remove_param: the Heat parameter listing workers to remove.
    :cvar batch_param: the Heat parameter holding an upgrade's batch size (or None).
    :cvar kept_parameters: parameters rendered once, at create, and never sent
        again: a refresh (new CAs, a new trust) leaves Heat's stored values,
        e.g. a key the nodes must keep for the cluster's life.
    """

    directory: ClassVar[str] = ''
    shared_directories: ClassVar[tuple[str, ...]] = ()
    main_template: ClassVar[str] = 'cluster.yaml'
    parameters: ClassVar[list[mapping.Param]] = []
    outputs: ClassVar[list[mapping.Output]] = []
    count_param: ClassVar[str] = 'number_of_minions'
    remove_param: ClassVar[str] = 'minions_to_remove'
    batch_param: ClassVar[str | None] = None
    #: The ResourceGroups of the cluster stack holding each role's nodes, and of
    #: a non-default node group's stack (see ``HeatDriver.node_groups``).
    group_resources: ClassVar[dict[str, str]] = {'worker': 'kube_minions',
                                                 'master': 'kube_masters'}
    nodegroup_group_resource: ClassVar[str] = 'kube_minions'
    nodegroup_address_outputs: ClassVar[tuple[str, ...]] = ()
    kept_parameters: ClassVar[tuple[str, ...]] = ()

    def _roots(self) -> list[str]:
        """Folders to read from, the driver's own last (it wins)."""
        return list(self.shared_directories) + [self.directory]

    def template_path(self, name: str) -> str:
        for root in reversed(self._roots()):
            path = os.path.join(root, 'templates', name)
            if os.path.exists(path):
                return path
        return os.path.join(self.directory, 'templates', name)

    def template(self, view: base.ClusterView) -> str:
        """The main template's text."""
        return read_file(self.template_path(self.main_template))

    def files(self, view: base.ClusterView) -> dict[str, str]:
        """Heat's ``files`` map: nested templates and fragments the main template
        names, keyed as the templates refer to them: a nested template by its
        path under ``templates/`` (``kubemaster.yaml``), a fragment as
        ``fragments/<path>`` (``{get_file: fragments/lib.sh}``). Default: every
        file of the shared folders and then of the driver's own (which wins),
        but the main template."""
        return dict(_files_of(tuple(self._roots()), self.main_template))

    def environment(self, view: base.ClusterView) -> dict:
        """Heat's environment for this cluster (default: empty)."""
        return {}

    #: Outputs listing the workers' addresses (private, then floating), each in
    #: the order of ``worker_ids_output`` (their server ids).
    worker_address_outputs: ClassVar[tuple[str, ...]] = ()
    worker_ids_output: ClassVar[str] = ''

    def nodes_to_remove(self, view: base.ClusterView, nodes: list[str]) -> list[str]:
        """What ``remove_param`` gets for the nodes a resize names.

        Heat's removal policy knows members by index or reference id (a
        member's reference is its server id), not by address. A user (or the
        cluster autoscaler) may name a node by what ``coe cluster show``
        displays (``node_addresses``: floating IPs, or private ones without
        them), by its private IP, its server id or its index: addresses become
        server ids, looked up in the current stack outputs the conductor
        supplies as ``view.extra['stack_outputs']`` (``worker_address_outputs``
        list the workers in the order of ``worker_ids_output``).

        :raises InvalidParameterValue: an address no worker has.
        """
        if not self.worker_ids_output:
            return list(nodes)
        return resolve_nodes(view.extra.get('stack_outputs') or {}, nodes,
                             self.worker_address_outputs, self.worker_ids_output)

    def upgrade_parameters(self, view: base.ClusterView, new_template: Any, *,
                           max_batch_size: int) -> dict:
        """Parameters an upgrade to ``new_template`` changes, in batches of at most
        ``max_batch_size`` nodes (default: none)."""
        return {}


def resolve_nodes(outputs: dict, nodes: list[str], address_outputs: tuple[str, ...],
                  ids_output: str) -> list[str]:
    """``nodes`` with every IP address replaced by the server id of the worker
    holding it (looked up in ``outputs``); indexes and server ids unchanged.

    :raises InvalidParameterValue: an address no worker has.
    """
    ids = [str(i) for i in ml_nodes.flat(outputs.get(ids_output))]
    by_address: dict[str, str] = {}
    for name in address_outputs:
        addresses = ml_nodes.flat(outputs.get(name))
        if len(addresses) != len(ids):
            continue
        for address, server_id in zip(addresses, ids):
            if address:
                by_address.setdefault(str(address), server_id)
    result = []
    for node in nodes:
        node = str(node).strip()
        if is_ip(node):
            if node not in by_address:
                raise exception.InvalidParameterValue(
                    err='nodes_to_remove: no worker of the node group has the address %s.'
                        % node)
            node = by_address[node]
        result.append(node)
    return result


def is_ip(value: str) -> bool:
    """Whether ``value`` is an IP address (else a node index or a server id)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=None)
def _files_of(roots: tuple[str, ...], main_template: str) -> tuple[tuple[str, str], ...]:
    result: dict[str, str] = {}
    for root in roots:
        for sub in ('templates', 'fragments'):
            top = os.path.join(root, sub)
            for folder, _dirs, names in os.walk(top):
                for name in sorted(names):
                    path = os.path.join(folder, name)
                    rel = os.path.relpath(path, top).replace(os.sep, '/')
                    if sub == 'fragments':
                        rel = 'fragments/' + rel
                    elif rel == main_template:
                        continue
                    result[rel] = read_file(path)
    return tuple(sorted(result.items()))


class HeatDriver(base.Driver):
    """A driver whose clusters are Heat stacks built from a ``TemplateDefinition``."""

    definition: ClassVar[TemplateDefinition]

    def create_stack_body(self, view: base.ClusterView) -> dict:
        definition = self.definition
        cluster = view.cluster
        return {
            'stack_name': stack_name(cluster),
            'template': definition.template(view),
            'files': definition.files(view),
            'environment': definition.environment(view),
            'parameters': mapping.render_parameters(definition.parameters, view),
            'tags': ','.join([SERVICE_TAG, cluster_tag(cluster.uuid)]),
            'timeout_mins': cluster.create_timeout or 60,
            'disable_rollback': True,
        }

    def update_stack_body(self, view: base.ClusterView, *, nodes_to_remove=None,
                          new_template=None, max_batch_size: int = 1,
                          rollback: bool = False) -> dict:
        definition = self.definition
        worker = view.nodegroup('worker')
        parameters = {definition.count_param: worker.node_count}
        if definition.remove_param:
            parameters[definition.remove_param] = definition.nodes_to_remove(
                view, list(nodes_to_remove or []))
        if new_template is not None:
            if definition.batch_param:
                parameters[definition.batch_param] = max_batch_size
            parameters.update(definition.upgrade_parameters(view, new_template,
                                                            max_batch_size=max_batch_size))
        return {
            'existing': True,
            'parameters': parameters,
            'disable_rollback': not rollback,
            'tags': ','.join([SERVICE_TAG, cluster_tag(view.cluster.uuid)]),
        }

    def node_groups(self, view: base.ClusterView, nodegroup: Any
                    ) -> tuple[dict[str, str], dict[str, tuple[str, ...]]] | None:
        definition = self.definition
        if nodegroup is not None and not nodegroup.is_default:
            return ({'worker': definition.nodegroup_group_resource},
                    {'worker': tuple(definition.nodegroup_address_outputs)})
        return (dict(definition.group_resources),
                {'worker': tuple(definition.worker_address_outputs)})

    def refresh_stack_body(self, view: base.ClusterView) -> dict:
        """An update handing the nodes what the conductor re-issued (rotated CAs,
        a new trust): every mapped parameter again, but the ``kept_parameters``."""
        parameters = mapping.render_parameters(self.definition.parameters, view)
        for name in self.definition.kept_parameters:
            parameters.pop(name, None)
        return {'existing': True, 'parameters': parameters}

    def fields_from_stack(self, view: base.ClusterView, outputs: dict,
                          parameters: dict) -> tuple[dict, dict]:
        return mapping.read_outputs(self.definition.outputs, view, outputs)
