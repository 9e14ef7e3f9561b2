"""What every controller needs: the caller, the API version, links and policy."""
from __future__ import annotations

import pecan

from magnum_like import conf as ml_conf
from magnum_like.api import microversion
from magnum_like.common import exception
from magnum_like.common import policy

CONF = ml_conf.CONF


def context():
    """The request context of the current request."""
    return pecan.request.context


def version() -> microversion.Version:
    """The API version the current request asked for."""
    return pecan.request.version


def require_version(feature: str, what: str) -> None:
    """Refuse (406) a route that the requested version does not have yet.

    :param feature: a key of ``microversion.HISTORY``.
    :raises NotAcceptable:
    """
    needed = microversion.HISTORY[feature]
    if version() < needed:
        raise exception.NotAcceptable(
            'Version %s was requested but the requested API %s is not supported for this '
            'version (it needs %s or later).' % (version(), what, needed))


def base_url() -> str:
    """Base of the links the API returns."""
    return (CONF.api.public_endpoint or pecan.request.host_url).rstrip('/')


def require_detail_path() -> None:
    """A ``detail`` route answers only at ``.../detail``: pecan also hands it
    ``.../detail/<anything>``, which is a 404.

    :raises NotFound:
    """
    if pecan.request.path.rstrip('/').split('/')[-1] != 'detail':
        raise exception.NotFound()


def enforce(rule: str, target: dict | None = None) -> None:
    """Check ``rule`` for the caller; :raises PolicyNotAuthorized:"""
    policy.enforce(context(), rule, target)


def scope_all_projects(rule: str) -> None:
    """Let an admin see every project when ``rule`` (a ``*_all_projects`` rule) allows."""
    ctx = context()
    if ctx.is_admin and policy.enforce(ctx, rule, do_raise=False):
        ctx.all_tenants = True


class FlatResourceRoutes:
    """Routing of a flat ``/collection[/{ident}]`` resource (mix in before RestController).

    pecan would hand ``POST /collection/x`` to ``post`` with ``x`` as the body
    argument, and ``PATCH``/``DELETE /collection`` to the item handlers without
    an ident (a confusing 400). Here: ``POST`` only on the collection,
    ``PATCH``/``DELETE`` only on one item (not on a custom action such as
    ``detail``): otherwise 405; deeper paths 404.
    """

    def _check_item_path(self, remainder) -> None:
        parts = [p for p in remainder if p]
        if not parts or parts[0] in getattr(self, '_custom_actions', {}):
            pecan.abort(405)
        if len(parts) > 1:
            pecan.abort(404)

    def _handle_post(self, method, remainder, request=None):
        if any(remainder):
            pecan.abort(405 if len([p for p in remainder if p]) == 1 else 404)
        return super()._handle_post(method, remainder, request)

    def _handle_delete(self, method, remainder, request=None):
        self._check_item_path(remainder)
        return super()._handle_delete(method, remainder, request)

    def _handle_unknown_method(self, method, remainder, request=None):
        if method == 'patch':
            self._check_item_path(remainder)
        return super()._handle_unknown_method(method, remainder, request)
