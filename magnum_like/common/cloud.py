"""Existence checks of the cloud resources a template or cluster names.

``CloudResources`` is the one interface the API uses to look up images
(Glance v2), flavors and keypairs (Nova) and networks and subnets (Neutron),
and to ask whether the cloud offers a service at all (Octavia);
``OpenStackCloudResources`` implements it over keystoneauth, against the real
services or the built-in simulator. Lookups take a name or an id, as the
Magnum clients allow both.
"""
from __future__ import annotations

from typing import Protocol

from keystoneauth1 import exceptions as ks_exc
from oslo_log import log as logging
from oslo_utils import uuidutils

from magnum_like.common import clients
from magnum_like.common import exception

LOG = logging.getLogger(__name__)


class CloudResources(Protocol):
    """What the API checks in the cloud before it accepts a template or cluster."""

    def get_image(self, ident: str) -> dict:
        """The Glance image with this name or id.

        :raises ImageNotFound: no such image.
        :raises ConflictMultipleResources: several images carry the name.
        """

    def get_flavor(self, ident: str) -> dict:
        """:raises FlavorNotFound:"""

    def get_keypair(self, name: str) -> dict:
        """:raises KeyPairNotFound:"""

    def get_network(self, ident: str, *, external: bool = False) -> dict:
        """:raises ExternalNetworkNotFound: or FixedNetworkNotFound."""

    def get_subnet(self, ident: str) -> dict:
        """:raises FixedSubnetNotFound:"""

    def has_service(self, service_type: str) -> bool:
        """Whether the cloud offers ``service_type`` (e.g. ``load-balancer``).

        :raises ServiceUnavailable: the catalog could not be read.
        """


class OpenStackCloudResources:
    """``CloudResources`` over Glance, Nova and Neutron REST calls.

    :param context: the request context whose credentials the calls use.
    """

    def __init__(self, context=None):
        self._context = context
        self._adapters: dict = {}

    def _adapter(self, group: str):
        if group not in self._adapters:
            self._adapters[group] = clients.make_adapter(group, self._context)
        return self._adapters[group]

    def _get(self, group: str, path: str, **params) -> dict | None:
        """GET a JSON document; None on 404; 503 when the service is down."""
        service = group.split('_')[0].capitalize()
        try:
            resp = self._adapter(group).get(path, params=params or None, raise_exc=False)
        except (ks_exc.ConnectionError, ks_exc.EndpointNotFound, ks_exc.DiscoveryFailure,
                ks_exc.EmptyCatalog) as e:
            raise exception.ServiceUnavailable(service=service, reason=str(e))
        except ks_exc.ClientException as e:
            raise exception.ServiceUnavailable(service=service, reason=str(e))
        if resp.status_code == 404:
            return None
        if resp.status_code in (401, 403):
            raise exception.AuthorizationFailure(client=service,
                                                 message='HTTP %d' % resp.status_code)
        if resp.status_code >= 400:
            raise exception.ServiceUnavailable(
                service=service, reason='HTTP %d from %s' % (resp.status_code, path))
        try:
            return resp.json()
        except ValueError:
            raise exception.ServiceUnavailable(service=service, reason='invalid JSON reply')

    def _by_name(self, items: list, name: str, resource: str) -> dict | None:
        matches = [i for i in items if i.get('name') == name]
        if len(matches) > 1:
            raise exception.ConflictMultipleResources(resource=resource, name=name)
        return matches[0] if matches else None

    def get_image(self, ident: str) -> dict:
        image = None
        if uuidutils.is_uuid_like(ident):
            image = self._get('glance_client', '/v2/images/%s' % ident)
        if image is None:
            found = self._get('glance_client', '/v2/images', name=ident) or {}
            image = self._by_name(found.get('images', []), ident, 'images')
        if image is None:
            raise exception.ImageNotFound(image_id=ident)
        return image

    def get_flavor(self, ident: str) -> dict:
        found = self._get('nova_client', '/flavors/%s' % ident)
        if found is not None:
            return found['flavor']
        listing = self._get('nova_client', '/flavors/detail') or {}
        flavor = self._by_name(listing.get('flavors', []), ident, 'flavors')
        if flavor is None:
            raise exception.FlavorNotFound(flavor=ident)
        return flavor

    def get_keypair(self, name: str) -> dict:
        found = self._get('nova_client', '/os-keypairs/%s' % name)
        if found is None:
            raise exception.KeyPairNotFound(keypair=name)
        return found.get('keypair', found)

    def get_network(self, ident: str, *, external: bool = False) -> dict:
        network = None
        if uuidutils.is_uuid_like(ident):
            found = self._get('neutron_client', '/v2.0/networks/%s' % ident)
            network = found and found.get('network')
        if network is None:
            found = self._get('neutron_client', '/v2.0/networks', name=ident) or {}
            network = self._by_name(found.get('networks', []), ident, 'networks')
        not_found = (exception.ExternalNetworkNotFound if external
                     else exception.FixedNetworkNotFound)
        if network is None:
            raise not_found(network=ident)
        if external and not network.get('router:external'):
            raise exception.InvalidParameterValue(
                err='external_network_id: network %s is not an external network '
                    '(router:external is false).' % ident)
        return network

    def get_subnet(self, ident: str) -> dict:
        subnet = None
        if uuidutils.is_uuid_like(ident):
            found = self._get('neutron_client', '/v2.0/subnets/%s' % ident)
            subnet = found and found.get('subnet')
        if subnet is None:
            found = self._get('neutron_client', '/v2.0/subnets', name=ident) or {}
            subnet = self._by_name(found.get('subnets', []), ident, 'subnets')
        if subnet is None:
            raise exception.FixedSubnetNotFound(subnet=ident)
        return subnet

    def has_service(self, service_type: str) -> bool:
        """True when the service's ``[*_client] endpoint_override`` is set or the
        catalog (the caller's token, else the service's credentials) lists it."""
        from magnum_like.conf import clients as client_conf
        groups = [g for g, (kind, _v) in client_conf.SERVICES.items() if kind == service_type]
        if not groups:
            return False
        try:
            return bool(self._adapter(groups[0]).get_endpoint())
        except (ks_exc.EndpointNotFound, ks_exc.EmptyCatalog):
            return False
        except ks_exc.ClientException as e:
            raise exception.ServiceUnavailable(service='Keystone', reason=str(e))


def get_cloud_resources(context=None) -> CloudResources:
    """The ``CloudResources`` implementation for this request."""
    return OpenStackCloudResources(context)


def external_network_id(context, ident: str | None) -> str | None:
    """The id of an external network a template may name by name, as Magnum
    resolves it for its stacks: services inside the cluster (the Octavia ingress
    controller) need the id. An id, or a name that cannot be looked up now, is
    returned as given (Heat itself accepts both), with a warning for the latter.
    """
    if not ident or uuidutils.is_uuid_like(ident):
        return ident
    try:
        return get_cloud_resources(context).get_network(ident, external=True)['id']
    except (exception.MagnumLikeException, KeyError) as error:
        LOG.warning('External network %s: its id could not be looked up (%s); the '
                    'name is passed on', ident, error)
        return ident
