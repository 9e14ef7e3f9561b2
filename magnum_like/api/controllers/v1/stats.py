"""``/v1/stats``: how many clusters and nodes a project has (spec §3.6)."""
from __future__ import annotations

from pecan import rest
from wsme import types as wtypes
from wsmeext import pecan as wsme_pecan

from magnum_like.api.controllers import base as ctl
from magnum_like.api.types import magnum_service as types
from magnum_like.api.validation import cluster as rules
from magnum_like.db import api as db


class StatsController(rest.RestController):
    """``/v1/stats``"""

    @wsme_pecan.wsexpose(types.Stats, wtypes.text, wtypes.text)
    def get_all(self, project_id=None, type='cluster'):  # noqa: A002 - the query name
        """Counts of the caller's project; an admin may ask for any project, or all."""
        ctx = ctl.context()
        if type != 'cluster':
            raise rules.invalid('type', "only 'cluster' is supported (got %r)." % type)
        if not project_id and not ctx.is_admin:
            project_id = ctx.project_id
        ctl.enforce('stats:get_all', {'project_id': project_id or ctx.project_id})
        return types.Stats(**db.get_cluster_stats(project_id or None))
