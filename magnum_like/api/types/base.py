"""Base of the API's WSME resource types."""
from __future__ import annotations

import datetime

import wsme
from wsme import types as wtypes

from magnum_like.api.types import fields


class APIBase(wtypes.Base):
    """A resource as the API shows it."""

    created_at = wsme.wsattr(datetime.datetime, readonly=True)
    updated_at = wsme.wsattr(datetime.datetime, readonly=True)

    @property
    def fields(self) -> list[str]:
        """Names of the type's attributes."""
        return [attr.name for attr in self._wsme_attributes]

    def as_dict(self) -> dict:
        """The attributes that were given (Unset ones left out)."""
        return {k: getattr(self, k) for k in self.fields
                if hasattr(self, k) and getattr(self, k) != wsme.Unset}

    def unset_fields_except(self, keep: list[str]) -> None:
        """Unset every attribute but those in ``keep`` (list views show a subset)."""
        for field in self.fields:
            if field not in keep:
                setattr(self, field, wsme.Unset)


class Link(wtypes.Base):
    """A hyperlink: ``href`` and ``rel``."""

    href = wtypes.text
    rel = wtypes.text
    type = wtypes.text

    @classmethod
    def make(cls, rel: str, base_url: str, resource: str, args: str = '', *,
             bookmark: bool = False) -> 'Link':
        """``<base>/v1/<resource>/<args>`` (or without ``v1`` for a bookmark)."""
        prefix = '' if bookmark else '/v1'
        href = '%s%s/%s' % (base_url.rstrip('/'), prefix, resource)
        if args:
            href = '%s/%s' % (href, args)
        return cls(href=href, rel=rel)


def link_dicts(base_url: str, collection: str, ident: str) -> list[dict]:
    """:func:`resource_links` as the JSON WSME would render (``type`` is never set)."""
    base_url = base_url.rstrip('/')
    return [{'href': '%s/v1/%s/%s' % (base_url, collection, ident), 'rel': 'self'},
            {'href': '%s/%s/%s' % (base_url, collection, ident), 'rel': 'bookmark'}]


def datetime_json(value):
    """A datetime as WSME renders it (``isoformat()``; ``None`` stays null)."""
    return None if value is None else value.isoformat()


class Document(wtypes.UserType):
    """The return type of read routes: a resource already rendered as plain JSON values.

    WSME serialises a resource attribute by attribute through generic
    dispatch (most of a 1000-row list's time in the profile); a route that
    returns this type hands WSME a ``dict`` built by the resource's
    ``to_api_dict`` and WSME passes it to ``json.dumps`` untouched. Argument
    parsing, body validation and error answers stay WSME's.

    :param of: the WSME type the document has the shape of (documentation).
    """

    basetype = wtypes.text
    name = 'document'

    def __init__(self, of=None):
        self.of = of

    def validate(self, value):
        return value


def collection_dict(key: str, items: list, *, limit: int, url: str, marker: str | None,
                    params: dict) -> dict:
    """A page as :class:`Collection` renders it: ``key`` and ``next`` when the page is full."""
    result = {key: items}
    page = Collection()
    page.set_next(items, limit=limit, url=url, marker=marker, params=params)
    if page.next is not wsme.Unset:
        result['next'] = page.next
    return result


def resource_links(base_url: str, collection: str, ident: str) -> list[Link]:
    """The ``self`` and ``bookmark`` links every resource carries."""
    return [Link.make('self', base_url, collection, ident),
            Link.make('bookmark', base_url, collection, ident, bookmark=True)]


class Collection(wtypes.Base):
    """A page of resources plus the ``next`` link when the page is full."""

    next = wtypes.text

    def set_next(self, items: list, *, limit: int, url: str, marker: str,
                 params: dict) -> None:
        """Fill ``next`` only when ``items`` filled the page."""
        if len(items) < limit or not items:
            self.next = wsme.Unset
            return
        query = '&'.join('%s=%s' % (k, v) for k, v in params.items() if v is not None)
        query = (query + '&' if query else '') + 'limit=%d&marker=%s' % (limit, marker)
        self.next = '%s?%s' % (url, query)


class JsonPatch(wtypes.Base):
    """One JSON-patch operation."""

    op = wsme.wsattr(wtypes.Enum(wtypes.text, 'add', 'replace', 'remove'), mandatory=True)
    path = wsme.wsattr(wtypes.StringType(min_length=1, pattern='^(/[\\w.-]+)+$'),
                       mandatory=True)
    value = fields.jsontype

    def to_op(self) -> dict:
        """The operation as a plain dict (``value`` only when given)."""
        op = {'op': self.op, 'path': self.path}
        if self.value is not wsme.Unset:
            op['value'] = self.value
        return op
