"""The conductors as ``/v1/mservices`` shows them, and ``/v1/stats`` (spec §3.6)."""
from __future__ import annotations

import wsme
from wsme import types as wtypes

from magnum_like.api.types import base
from magnum_like.api.types import fields


class MagnumService(base.APIBase):
    """One service process and whether its heartbeat is recent."""

    id = wsme.wsattr(int, readonly=True)
    host = wtypes.text
    binary = wtypes.text
    state = wtypes.Enum(wtypes.text, 'up', 'down')
    report_count = int
    disabled = bool
    disabled_reason = wtypes.text


class MagnumServiceCollection(wtypes.Base):
    """Every service process."""

    mservices = [MagnumService]


class Stats(wtypes.Base):
    """How many clusters and nodes a project (or the cloud) has."""

    clusters = fields.IntegerType(minimum=0)
    nodes = fields.IntegerType(minimum=0)
