"""What a cluster delete removes before its stack: the cloud provider's load balancers.

A Kubernetes cloud provider makes an Octavia load balancer for each
``LoadBalancer`` Service; Heat does not know them, and they keep the cluster's
network (and so the stack delete) busy. The driver says how to recognise them
(``Driver.resources_to_clean(view)``)::

    {'loadbalancers_name_prefix': ['kube_service_<uuid>_'],
     'loadbalancers_description_contains': ['from cluster <uuid>']}

:func:`clean_loadbalancers` lists the load balancers of the cluster's project
(``[octavia_client]``, the service's credentials), deletes every match with
``cascade=true`` (listeners, pools, members go too) and waits until none is
left. A load balancer in a ``PENDING_*`` state is not deleted until it settles
(Octavia answers 409); its delete is retried at the next poll. A cloud without
Octavia in the catalog has nothing to clean.
"""
from __future__ import annotations

import time
from typing import Any

from keystoneauth1 import exceptions as ks_exc
from oslo_log import log as logging

from magnum_like.common import clients

LOG = logging.getLogger(__name__)

#: Keys of ``resources_to_clean`` this module understands.
NAME_PREFIX = 'loadbalancers_name_prefix'
DESCRIPTION_CONTAINS = 'loadbalancers_description_contains'
_PATH = '/v2/lbaas/loadbalancers'


class CleanupPending(Exception):
    """Matching load balancers were still there when the wait ended."""


def matches(lb: dict, spec: dict) -> bool:
    """Whether ``lb`` is one ``spec`` (a ``resources_to_clean`` result) names."""
    name = lb.get('name') or ''
    description = lb.get('description') or ''
    return (any(prefix and name.startswith(prefix) for prefix in spec.get(NAME_PREFIX) or ())
            or any(text and text in description
                   for text in spec.get(DESCRIPTION_CONTAINS) or ()))


def _list(octavia: Any, project_id: str | None, spec: dict) -> list[dict]:
    params = {'project_id': project_id} if project_id else {}
    answer = octavia.get(_PATH, params=params, raise_exc=True)
    return [lb for lb in answer.json().get('loadbalancers') or [] if matches(lb, spec)]


def clean_loadbalancers(project_id: str | None, spec: dict, *, timeout: float,
                        poll: float = 1.0, octavia: Any = None) -> list[str]:
    """Delete the load balancers ``spec`` matches in ``project_id``; wait for them to go.

    :param spec: the driver's ``resources_to_clean(view)``.
    :param timeout: seconds to wait for them to be gone.
    :param octavia: a keystoneauth adapter (default: ``[octavia_client]``).
    :returns: the ids deleted (empty when nothing matched or there is no Octavia).
    :raises CleanupPending: some were still there after ``timeout``.
    :raises keystoneauth1.exceptions.ClientException: Octavia failed (5xx, unreachable).
    """
    if not (spec.get(NAME_PREFIX) or spec.get(DESCRIPTION_CONTAINS)):
        return []
    if octavia is None:
        octavia = clients.make_adapter('octavia_client')
    try:
        found = _list(octavia, project_id, spec)
    except ks_exc.EndpointNotFound:
        LOG.info('No Octavia endpoint: no load balancers to clean up for project %s',
                 project_id)
        return []
    deleted: list[str] = []
    deadline = time.monotonic() + timeout
    while found:
        for lb in found:
            if lb.get('provisioning_status') == 'PENDING_DELETE':
                continue
            try:
                octavia.delete('%s/%s' % (_PATH, lb['id']), params={'cascade': 'true'},
                               raise_exc=True)
                LOG.info('Deleting load balancer %s (%s) made for the cluster by its cloud '
                         'provider', lb['id'], lb.get('name'))
                if lb['id'] not in deleted:
                    deleted.append(lb['id'])
            except ks_exc.NotFound:
                pass
            except ks_exc.Conflict:  # PENDING_CREATE/UPDATE: retried at the next poll
                LOG.debug('Load balancer %s is busy (%s); retrying', lb['id'],
                          lb.get('provisioning_status'))
        found = _list(octavia, project_id, spec)
        if not found:
            break
        if time.monotonic() >= deadline:
            raise CleanupPending(', '.join(lb['id'] for lb in found))
        time.sleep(poll)
    return deleted
