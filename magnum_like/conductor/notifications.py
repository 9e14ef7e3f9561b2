"""CADF notifications ``magnum.cluster.{create,update,delete}`` (spec §12).

Outcomes ``pending`` (the conductor starts an operation), ``success`` and
``failure`` (it ended); ``failure`` goes out at priority ``error``, the others
at ``info``. The payload is a pyCADF activity event whose target carries the
cluster's data as the ``cluster_data`` attachment, as Magnum sends it.
"""
from __future__ import annotations

from typing import Any

from oslo_log import log as logging
from pycadf import attachment
from pycadf import cadftaxonomy as taxonomy
from pycadf import cadftype
from pycadf import eventfactory
from pycadf import resource

from magnum_like.common import context as ml_context
from magnum_like.common import rpc

LOG = logging.getLogger(__name__)

TYPE_URI = 'service/magnum/cluster'
PENDING = taxonomy.OUTCOME_PENDING
SUCCESS = taxonomy.OUTCOME_SUCCESS
FAILURE = taxonomy.OUTCOME_FAILURE
_ACTIONS = {'create': taxonomy.ACTION_CREATE, 'update': taxonomy.ACTION_UPDATE,
            'delete': taxonomy.ACTION_DELETE}
_CLUSTER_DATA = ('status', 'status_reason', 'project_id', 'cluster_template_id', 'keypair',
                 'docker_volume_size', 'labels', 'master_flavor_id', 'flavor_id', 'stack_id',
                 'health_status', 'create_timeout', 'api_address', 'discovery_url',
                 'node_addresses', 'master_addresses')
_NOTIFIERS: dict[str, Any] = {}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def cluster_data(cluster: Any, node_count: int | None = None,
                 master_count: int | None = None) -> dict:
    """The ``cluster_data`` attachment: the cluster's public fields."""
    data = {key: getattr(cluster, key, None) for key in _CLUSTER_DATA}
    data.update(created_at=_iso(cluster.created_at), updated_at=_iso(cluster.updated_at),
                node_count=node_count, master_count=master_count)
    return data


def _initiator(context: Any, cluster: Any) -> resource.Resource:
    # Periodic work has no caller: the cluster's owner stands for the initiator.
    initiator = resource.Resource(typeURI=taxonomy.ACCOUNT_USER)
    initiator.id = (getattr(context, 'user_id', None) or cluster.user_id
                    or taxonomy.UNKNOWN)
    initiator.project_id = (getattr(context, 'project_id', None) or cluster.project_id
                            or taxonomy.UNKNOWN)
    initiator.domain_id = getattr(context, 'domain_id', None) or taxonomy.UNKNOWN
    return initiator


def build_event(context: Any, cluster: Any, action: str, outcome: str,
                data: dict | None = None) -> dict:
    """The CADF event (as a dict) for one cluster notification."""
    target = resource.Resource(typeURI=TYPE_URI, id=cluster.uuid, name=cluster.name)
    target.add_attachment(attachment.Attachment(
        typeURI=TYPE_URI, content=data if data is not None else cluster_data(cluster),
        name='cluster_data'))
    event = eventfactory.EventFactory().new_event(
        eventType=cadftype.EVENTTYPE_ACTIVITY, outcome=outcome, action=_ACTIONS[action],
        initiator=_initiator(context, cluster), target=target,
        observer=resource.Resource(typeURI=TYPE_URI))
    return event.as_dict()


def emit(context: Any, cluster: Any, action: str, outcome: str, *, host: str,
         data: dict | None = None) -> None:
    """Send ``magnum.cluster.<action>`` with ``outcome``; never raises.

    :param action: ``create``, ``update`` or ``delete``.
    :param outcome: :data:`PENDING`, :data:`SUCCESS` or :data:`FAILURE`.
    :param host: this conductor (the publisher is ``magnum-like-conductor.<host>``).
    """
    try:
        notifier = _NOTIFIERS.get(host)
        if notifier is None:
            notifier = _NOTIFIERS[host] = rpc.get_notifier('magnum-like-conductor.%s' % host)
        payload = build_event(context, cluster, action, outcome, data)
        method = notifier.error if outcome == FAILURE else notifier.info
        method(context or ml_context.get_admin_context(), 'magnum.cluster.%s' % action, payload)
    except Exception:  # a notification must never break an operation
        LOG.exception('Sending magnum.cluster.%s (%s) for %s failed', action, outcome,
                      cluster.uuid)


def reset() -> None:
    """Forget cached notifiers (after :func:`magnum_like.common.rpc.cleanup`)."""
    _NOTIFIERS.clear()
