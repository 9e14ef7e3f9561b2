"""An ``openstack.cli.extension`` plugin: ``openstack coe federation ...``.

python-magnumclient 5.0 dropped federations, so this project ships the
commands itself. python-openstackclient loads this module (entry point
``container_infra_federation``) and the commands of the group
``openstack.container_infra_federation.v1`` (:mod:`magnum_like.client.federation`).
They speak ``/v1/federations`` over the user's keystoneauth session with the
``container-infra`` endpoint from the catalog, or ``--os-endpoint``.
"""
from __future__ import annotations

import argparse
import json
from typing import Any

from osc_lib import exceptions

API_NAME = 'container_infra_federation'
API_VERSION_OPTION = 'os_container_infra_federation_api_version'
DEFAULT_API_VERSION = '1'
API_VERSIONS = ('1',)
SERVICE_TYPE = 'container-infra'
#: Seconds one request may take.
TIMEOUT = 60


class FederationClient:
    """``/v1/federations`` over a keystoneauth session.

    :param session: the user's keystoneauth session.
    :param endpoint: the container-infra endpoint (``.../v1`` or its root).
    """

    def __init__(self, session: Any, endpoint: str) -> None:
        self.session = session
        base = endpoint.rstrip('/')
        self.url = base + ('/federations' if base.endswith('/v1') else '/v1/federations')

    def _request(self, method: str, path: str = '', body: Any = None) -> Any:
        kwargs: dict[str, Any] = {'raise_exc': False, 'timeout': TIMEOUT,
                                  'headers': {'Accept': 'application/json'}}
        if body is not None:
            kwargs['json'] = body
        resp = self.session.request(self.url + path, method, **kwargs)
        if resp.status_code >= 400:
            raise exceptions.CommandError('%s (HTTP %s)' % (_error(resp), resp.status_code))
        return resp.json() if resp.content else None

    def list(self) -> list[dict]:
        """Every federation, following ``next`` links."""
        found: list[dict] = []
        path = '/detail'
        while path is not None:
            page = self._request('GET', path)
            found.extend(page.get('federations') or [])
            nxt = page.get('next')
            path = None
            if nxt and '?' in nxt:
                path = '/detail?' + nxt.split('?', 1)[1]
        return found

    def get(self, ident: str) -> dict:
        return self._request('GET', '/' + ident)

    def create(self, body: dict) -> str:
        return self._request('POST', '', body)['uuid']

    def patch(self, ident: str, ops: list[dict]) -> str:
        return self._request('PATCH', '/' + ident, ops)['uuid']

    def delete(self, ident: str) -> None:
        self._request('DELETE', '/' + ident)


def _error(resp: Any) -> str:
    try:
        doc = resp.json()
    except ValueError:
        return resp.text[:500] or resp.reason
    errors = doc.get('errors') if isinstance(doc, dict) else None
    if errors:
        return '; '.join(str(e.get('title') or e.get('detail')) for e in errors)
    if isinstance(doc, dict) and 'error_message' in doc:
        message = doc['error_message']
        try:
            return json.loads(message).get('faultstring', message)
        except (ValueError, AttributeError):
            return str(message)
    return resp.text[:500]


def make_client(instance: Any) -> FederationClient:
    """The client the commands use: the session and endpoint OSC resolved."""
    endpoint = instance.get_endpoint_for_service_type(
        SERVICE_TYPE, region_name=instance.region_name, interface=instance.interface)
    if not endpoint:
        raise exceptions.CommandError('No container-infra endpoint in the catalog; give '
                                      '--os-endpoint.')
    return FederationClient(instance.session, endpoint)


def build_option_parser(parser: Any) -> Any:
    """The version option OSC reads for every plugin (one version: hidden)."""
    parser.add_argument('--os-container-infra-federation-api-version',
                        default=DEFAULT_API_VERSION, help=argparse.SUPPRESS)
    return parser
