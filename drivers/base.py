"""What a cluster driver is: the interface the API and the conductors use.

A driver is found through a stevedore entry point in ``magnum_like.drivers``
(see ``magnum_like.common.drivers``) and declares the ``(server_type, os,
coe)`` tuples it builds in ``provides``. The API calls the ``validate_*``
methods synchronously, so what a driver cannot do is refused with a 400
before anything is accepted. Conductors call the rest; Heat drivers (see
``drivers/heat/driver.py``) only *render* stack bodies and *read* outputs —
the conductor makes the Heat calls, so a driver is pure and testable offline.
"""
from __future__ import annotations

import abc
import dataclasses
from typing import Any, ClassVar

from magnum_like.common import exception


@dataclasses.dataclass
class ClusterView:
    """Everything a driver renders a cluster from.

    :param cluster: the cluster row (``magnum_like.db.models.Cluster``).
    :param template: its cluster template row.
    :param nodegroups: the cluster's node group rows.
    :param extra: values the conductor supplies: ``magnum_url``, ``auth_url``,
        ``region_name``, trust and certificate material, ``stack_tags`` ...
    """

    cluster: Any
    template: Any
    nodegroups: list
    extra: dict = dataclasses.field(default_factory=dict)

    def nodegroup(self, role: str) -> Any:
        """The default node group of ``role`` (``master`` or ``worker``)."""
        for ng in self.nodegroups:
            if ng.is_default and (ng.role == 'master') == (role == 'master'):
                return ng
        raise exception.NodeGroupNotFound(nodegroup='default-%s' % role)

    @property
    def labels(self) -> dict:
        """The cluster's labels (which start as a copy of the template's)."""
        return dict(self.cluster.labels or {})

    def label(self, name: str, default: Any = None) -> Any:
        """One label's value, or ``default``."""
        value = self.labels.get(name)
        return default if value in (None, '') else value

    def attr(self, name: str) -> Any:
        """A cluster attribute, falling back to the template's of the same name."""
        value = getattr(self.cluster, name, None)
        if value is None:
            value = getattr(self.template, name, None)
        return value


def driver_name(driver: Any) -> str:
    """A driver's name as operators know it: its package (``mesos_fedora_atomic_v1``)."""
    parts = type(driver).__module__.split('.')
    return parts[-2] if len(parts) > 1 and parts[-1] == 'driver' else type(driver).__name__


class Driver(abc.ABC):
    """Base of every cluster driver."""

    #: The (server_type, os, coe) tuples this driver builds.
    provides: ClassVar[list[dict]] = []
    #: Beta drivers are offered only when ``[drivers] enabled_beta_drivers`` names them.
    beta: ClassVar[bool] = False
    #: Version of the container runtime the driver's nodes run.
    container_version: ClassVar[str | None] = None

    # --- checks the API makes before it accepts a request -------------------
    def validate_cluster(self, view: ClusterView) -> None:
        """Refuse a cluster this driver cannot build.

        The default: an odd number of masters, and more than one needs a
        load balancer in front of them.

        :raises InvalidParameterValue:
        """
        masters = view.nodegroup('master').node_count
        if masters < 1 or masters % 2 == 0:
            raise exception.InvalidParameterValue(
                err='master_count: must be an odd number of at least 1 (got %d).' % masters)
        if masters > 1 and not view.attr('master_lb_enabled'):
            raise exception.InvalidParameterValue(
                err='master_count: more than one master needs master_lb_enabled.')

    def validate_nodegroup(self, view: ClusterView, nodegroup: Any) -> None:
        """Refuse a new node group this driver cannot build (by default: none).

        :param nodegroup: the node group row about to be created (its labels
            are the cluster's merged with the request's).
        :raises InvalidParameterValue:
        """

    def validate_resize(self, view: ClusterView, nodegroup: Any, node_count: int,
                        nodes_to_remove: list[str]) -> None:
        """Refuse a resize this driver cannot do (master groups cannot be resized).

        :raises NotSupported:
        """
        if nodegroup.role == 'master':
            raise exception.NotSupported(operation='Resizing a master node group')

    #: The node group an upgrade naming none applies to (the API's default):
    #: the default group of this role, i.e. the cluster stack.
    upgrade_default_role: str = 'master'

    def validate_upgrade(self, view: ClusterView, new_template: Any, nodegroup: Any,
                         max_batch_size: int) -> None:
        """Refuse an upgrade this driver cannot do; by default none can.

        :raises NotSupported: or InvalidParameterValue for a downgrade.
        """
        raise exception.NotSupported(
            operation='Upgrading clusters of the %s driver (its stacks carry no version to '
                      'change)' % driver_name(self))

    def validate_rotate_ca(self, view: ClusterView) -> None:
        """Refuse a CA rotation this driver cannot carry to the nodes.

        :raises NotSupported:
        """
        raise exception.NotSupported(operation='CA rotation for %s' % type(self).__name__)

    # --- what conductors ask of a driver ------------------------------------
    @abc.abstractmethod
    def create_stack_body(self, view: ClusterView) -> dict:
        """The body of Heat's stack create for this cluster.

        :returns: ``{stack_name, template, files, environment, parameters,
            tags, timeout_mins, disable_rollback}``.
        """

    @abc.abstractmethod
    def update_stack_body(self, view: ClusterView, *, nodes_to_remove: list[str] | None = None,
                          new_template: Any = None, max_batch_size: int = 1,
                          rollback: bool = False) -> dict:
        """The body of Heat's stack PATCH (``existing=true``) after a change.

        :param nodes_to_remove: members of the resized worker group to remove
            (index, private IP or server id).
        :param new_template: the template an upgrade moves to.
        """

    @abc.abstractmethod
    def fields_from_stack(self, view: ClusterView, outputs: dict,
                          parameters: dict) -> tuple[dict, dict]:
        """Cluster and node-group fields read from a finished stack.

        :param outputs: output key → value of the stack.
        :param parameters: the stack's parameters.
        :returns: ``(cluster_updates, {nodegroup_uuid: updates})``.
        """

    def nodegroup_stack_body(self, view: ClusterView, nodegroup: Any) -> dict:
        """The body of Heat's stack create for a non-default node group (its own
        stack; default node groups share the cluster stack). The conductor adds
        the service, cluster and node-group tags.

        :raises NotSupported: by default.
        """
        raise exception.NotSupported(operation='Node groups of %s clusters' % type(self).__name__)

    def nodegroup_update_body(self, view: ClusterView, nodegroup: Any, *,
                              nodes_to_remove: list[str] | None = None,
                              new_template: Any = None, max_batch_size: int = 1,
                              rollback: bool = False) -> dict:
        """The body of Heat's stack PATCH (``existing=true``) that resizes a
        non-default node group's own stack (made from :meth:`nodegroup_stack_body`)
        to ``nodegroup.node_count`` (already the new count when the conductor calls),
        or upgrades it to ``new_template`` in batches of ``max_batch_size``.

        :param nodes_to_remove: members of the node group to remove (index,
            private IP or server id), as for :meth:`update_stack_body`.
        :returns: e.g. ``{'parameters': {...}}``; the conductor adds ``existing``.
        :raises NotSupported: by default (the resize ends UPDATE_FAILED with that reason).
        """
        raise exception.NotSupported(
            operation='Resizing node groups of %s clusters' % type(self).__name__)

    def running_state_url(self, view: ClusterView) -> str | None:
        """Where the conductor reads the running cluster's state before a scale-down
        that names no nodes (fed to :meth:`nodes_from_state`); None: not read."""
        return None

    def nodes_from_state(self, state: dict) -> list[dict]:
        """The nodes described by the document at :meth:`running_state_url`."""
        return []

    def node_groups(self, view: ClusterView, nodegroup: Any
                    ) -> tuple[dict[str, str], dict[str, tuple[str, ...]]] | None:
        """Where the nodes of ``nodegroup``'s stack are, for checking a resize's
        ``nodes_to_remove`` (``magnum_like.common.nodes``).

        :returns: ``({role: ResourceGroup name}, {role: address outputs})`` for
            the ``worker`` (and ``master``) roles, or None: this driver cannot
            remove named nodes (a resize naming nodes is refused).
        """
        return None

    def choose_nodes_to_remove(self, view: ClusterView, nodegroup: Any, node_count: int,
                               agents: list[dict]) -> tuple[list[str], str | None]:
        """The nodes a scale-down of ``nodegroup`` to ``node_count`` removes when the
        request names none, from what the conductor read of the running cluster
        (``agents``: driver-defined, e.g. Mesos agents and their running tasks).

        :returns: ``(nodes_to_remove, status_reason)``; by default ``([], None)``:
            Heat removes the newest members.
        """
        return [], None

    def resources_to_clean(self, view: ClusterView) -> dict:
        """What the conductor removes before deleting the stack (e.g. the load
        balancers a cloud provider made for the cluster's Services).

        :returns: e.g. ``{'loadbalancers_tagged': ['<tag>', ...]}``; empty by default.
        """
        return {}
