"""Paging of collections: the one place limit, marker, sort_key and sort_dir are checked."""
from __future__ import annotations

import dataclasses

from magnum_like import conf as ml_conf
from magnum_like.common import exception

CONF = ml_conf.CONF


@dataclasses.dataclass(frozen=True)
class Page:
    """A validated page request."""

    limit: int
    marker: str | None
    sort_key: str
    sort_dir: str

    def query(self) -> dict:
        """The sort arguments a ``next`` link repeats."""
        return {'sort_key': self.sort_key, 'sort_dir': self.sort_dir}


def make_page(*, limit, marker, sort_key, sort_dir, allowed_keys) -> Page:
    """Check a client's paging arguments.

    :param allowed_keys: the attributes a collection may be sorted by.
    :raises InvalidParameterValue: a bad limit or sort_dir; InvalidSortKey.
    """
    if limit is None:
        limit = CONF.api.max_limit
    elif limit <= 0:
        raise exception.InvalidParameterValue(err='limit: must be positive (got %d).' % limit)
    limit = min(limit, CONF.api.max_limit)
    sort_dir = (sort_dir or 'asc').lower()
    if sort_dir not in ('asc', 'desc'):
        raise exception.InvalidParameterValue(
            err="sort_dir: must be 'asc' or 'desc' (got %r)." % sort_dir)
    sort_key = sort_key or 'id'
    if sort_key not in allowed_keys:
        raise exception.InvalidSortKey(key=sort_key, allowed=', '.join(sorted(allowed_keys)))
    return Page(limit=limit, marker=marker or None, sort_key=sort_key, sort_dir=sort_dir)
