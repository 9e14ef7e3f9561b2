"""Pecan hooks: the request context, the API version, and the shape of JSON bodies."""
from __future__ import annotations

import json

import pecan
from pecan import hooks
from wsme import types as wtypes

from magnum_like.api import microversion
from magnum_like.api.middleware import version as version_mw
from magnum_like.common import context
from magnum_like.common import policy
from magnum_like import conf as ml_conf

CONF = ml_conf.CONF


def _in_trustee_domain(ctx) -> bool:
    """Whether the caller is a user of the trustee domain (``[trust]
    trustee_domain_id``, else ``trustee_domain_name``): a cluster's nodes."""
    if not ctx.user_id:
        return False
    if CONF.trust.trustee_domain_id:
        return ctx.user_domain_id == CONF.trust.trustee_domain_id
    return bool(CONF.trust.trustee_domain_name) and (
        ctx.user_domain_name == CONF.trust.trustee_domain_name)


def _as_cluster_user(ctx) -> None:
    """Restrict a trustee to the clusters it is the trustee of.

    The nodes authenticate as their cluster's trustee with its password: an
    unscoped token by default, a trust-scoped one (carrying the trustor's
    project and roles) with ``[trust] cluster_user_trust``. Magnum maps a
    trustee to its cluster's project; this API is stricter: the caller sees
    only the clusters whose ``trustee_user_id`` is its user id (another
    cluster of the same project is not found), and only the rules that name
    the cluster user (``rule:is_cluster_user``: the CA, signing, showing the
    cluster, reporting its health) let it act. The trust's roles are the
    trustor's, for the cloud's other services: they give nothing here.
    """
    ctx.cluster_user = ctx.user_id
    ctx.roles = []
    ctx.project_id = None


class ContextHook(hooks.PecanHook):
    """Build ``request.context`` from the identity headers auth left behind."""

    def before(self, state):
        environ = state.request.environ
        ctx = context.RequestContext.from_environ(environ)
        # Stored in 255-character columns; Keystone ids are far shorter, but noauth
        # trusts whatever the client sends.
        for header, value in (('X-Project-Id', ctx.project_id), ('X-User-Id', ctx.user_id)):
            if value and len(value) > 255:
                pecan.abort(400, detail='The %s header is too long (at most 255 characters).'
                                        % header)
        # keystonemiddleware's plugin lets the service call other services as the user.
        ctx.auth_plugin = environ.get('keystone.token_auth')
        if _in_trustee_domain(ctx):
            _as_cluster_user(ctx)
        ctx.is_admin = policy.check_is_admin(ctx)
        state.request.context = ctx
        state.request.version = environ.get(version_mw.ENVIRON_KEY, microversion.MIN_VERSION)


def _refuse_constant(name):
    raise ValueError('%s is not valid JSON' % name)


def _text_problem(text: str) -> str | None:
    """Why a string cannot be stored (every backend), or None."""
    if '\x00' in text:
        return 'contains a NUL character'
    try:
        text.encode('utf-8')
    except UnicodeEncodeError:
        return 'is not valid Unicode (lone surrogate)'
    return None


def _document_problem(doc) -> str | None:
    """The first string (key or value) of a parsed JSON document that cannot be stored."""
    stack = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            strings = (item,)
        elif isinstance(item, dict):
            strings = tuple(k for k in item if isinstance(k, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
            continue
        else:
            continue
        for text in strings:
            problem = _text_problem(text)
            if problem:
                return 'a string in the request %s: %r' % (problem, text[:80])
    return None


#: What a route argument given in a JSON body must be, by its WSME type.
_ARGUMENT_TYPES = {wtypes.text: (str, 'a string'), int: (int, 'an integer')}


def _check_body_arguments(funcdef, raw: bytes) -> None:
    """Refuse (400) a JSON body naming a route argument with a value of the wrong type.

    A route without a body type (``DELETE /v1/quotas``, a list's ``limit``)
    still takes its arguments from a JSON object body; WSME passes an object
    or list given for a text argument through to the controller, and crashes
    converting one to an integer.
    """
    if not raw.strip():
        return
    doc = json.loads(raw)
    if not isinstance(doc, dict):
        return
    for argument in funcdef.arguments:
        value = doc.get(argument.name)
        expected = _ARGUMENT_TYPES.get(argument.datatype)
        if value is None or expected is None:
            continue
        if isinstance(value, bool) or not isinstance(value, expected[0]):
            pecan.abort(400, detail='%s: must be %s, got %s %s.' % (
                argument.name, expected[1], type(value).__name__,
                json.dumps(value)[:80]))


class BodyShapeHook(hooks.PecanHook):
    """Refuse (400) a request WSME, pecan or the database would choke on.

    Before routing (pecan itself parses a JSON body then): JSON nested too
    deep to parse, NaN/Infinity, and text no database stores (NUL characters,
    lone surrogates) in the body, path or query. Before the controller: a
    body whose shape is not what the route takes (WSME assumes an object
    where its type is a resource and a list of objects where it is a list;
    anything else would reach it as a server error).
    """

    def on_route(self, state):
        request = state.request
        try:
            texts = [request.path_info] + [v for item in request.params.items() for v in item]
        except UnicodeDecodeError:
            pecan.abort(400, detail='The URL or the form data is not valid UTF-8.')
        for text in texts:
            problem = _text_problem(text)
            if problem:
                pecan.abort(400, detail='The URL %s.' % problem)
        raw = request.body
        if not raw.strip():
            return
        try:
            doc = json.loads(raw, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError):
            pecan.abort(400, detail='Request is not in valid JSON format.')
        except RecursionError:
            pecan.abort(400, detail='Request JSON is nested too deeply.')
        problem = _document_problem(doc)
        if problem:
            pecan.abort(400, detail=problem[0].upper() + problem[1:] + '.')

    def before(self, state):
        funcdef = getattr(state.controller, '_wsme_definition', None)
        body_type = getattr(funcdef, 'body_type', None) if funcdef else None
        if funcdef is not None and body_type is None:
            _check_body_arguments(funcdef, state.request.body)
            return
        if body_type is None or state.request.method not in ('POST', 'PUT', 'PATCH'):
            return
        raw = state.request.body
        if not raw.strip():
            pecan.abort(400, detail='The request body is empty; a JSON document is required.')
        doc = json.loads(raw)
        if isinstance(body_type, wtypes.ArrayType):
            if not isinstance(doc, list) or not all(isinstance(i, dict) for i in doc):
                pecan.abort(400, detail='The request body must be a JSON list of objects '
                                        '(JSON-patch operations).')
        elif wtypes.iscomplex(body_type) and not isinstance(doc, dict):
            pecan.abort(400, detail='The request body must be a JSON object.')
