"""``/v1/mservices``: the conductors and whether their heartbeat is recent (spec §3.6)."""
from __future__ import annotations

import datetime

from oslo_utils import timeutils
from pecan import rest
from wsmeext import pecan as wsme_pecan

from magnum_like import conf as ml_conf
from magnum_like.api.controllers import base as ctl
from magnum_like.api.types import magnum_service as types
from magnum_like.db import api as db

CONF = ml_conf.CONF


def is_up(row) -> bool:
    """Up: not forced down, and a heartbeat within ``[conductor] service_down_time``."""
    last = row.last_seen_up or row.updated_at or row.created_at
    if row.forced_down or last is None:
        return False
    limit = datetime.timedelta(seconds=CONF.conductor.service_down_time)
    return abs(timeutils.utcnow() - last) <= limit


class MagnumServiceController(rest.RestController):
    """``/v1/mservices``"""

    @wsme_pecan.wsexpose(types.MagnumServiceCollection)
    def get_all(self):
        """Every registered service process, with ``state`` up or down."""
        ctl.enforce('magnum-service:get_all')
        result = types.MagnumServiceCollection()
        result.mservices = [
            types.MagnumService(id=r.id, host=r.host, binary=r.binary,
                                state='up' if is_up(r) else 'down',
                                report_count=r.report_count, disabled=bool(r.disabled),
                                disabled_reason=r.disabled_reason, created_at=r.created_at,
                                updated_at=r.updated_at)
            for r in db.get_magnum_service_list()]
        return result
