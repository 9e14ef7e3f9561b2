"""``/v1/credentials/{cluster_ident}``: rotate the credential a cluster uses (spec §3.5, ≥1.12).

The cluster's credential is its trustee user and trust (``common/trust.py``).
``PATCH`` records the rotation on the cluster row (``UPDATE_IN_PROGRESS``,
``operation='rotate_credential'``) and nudges a conductor, which makes the new
password and trust, hands them to the nodes and deletes the old ones.
"""
from __future__ import annotations

from pecan import rest
from wsme import types as wtypes
from wsmeext import pecan as wsme_pecan

from magnum_like.api.controllers import base as ctl
from magnum_like.api.controllers.v1 import cluster_operation as ops
from magnum_like.api.types import certificate as cert_types

ROTATE_CREDENTIAL = 'rotate_credential'


class CredentialsController(rest.RestController):
    """``/v1/credentials``"""

    @wsme_pecan.wsexpose(cert_types.ClusterID, wtypes.text, status_code=202)
    def patch(self, cluster_ident):
        """Rotate the cluster's credential: 202 ``{"uuid"}``.

        :raises NotAcceptable: (406) API version below 1.12.
        :raises ClusterNotFound: (404)
        :raises PolicyNotAuthorized: (403) ``credential:rotate`` (project member).
        :raises ClusterBusy: (409) another operation is in progress.
        :raises ClusterNotStable: (409) not in a *_COMPLETE or
            UPDATE_FAILED status.
        """
        ctl.require_version('credential_rotate', 'credential rotation')
        cluster = ops.find_cluster(cluster_ident,
                                   all_projects_rule='cluster:update_all_projects')
        ctl.enforce('credential:rotate', ops.owner_target(cluster))
        ops.start_operation(cluster, ROTATE_CREDENTIAL)
        return cert_types.ClusterID(uuid=cluster.uuid)
