"""``/v1/credentials/{cluster_ident}``: rotate the credential a cluster uses (spec §3.5, ≥1.12).

The cluster's credential is its trustee user and trust (``pki/trust.py``).
``PATCH`` makes the new trust at once, with the caller's token (as Magnum,
whose API rotates while the request is open; a conductor acting later must not
need a token that may have expired), records the rotation with it on the cluster
row (``UPDATE_IN_PROGRESS``, ``operation='rotate_credential'``) and nudges a
conductor, which gives the trustee a new password, hands both to the nodes and
deletes the old trust. A refused rotation (409) deletes the new trust again.
"""
from __future__ import annotations

from pecan import rest
from wsme import types as wtypes
from wsmeext import pecan as wsme_pecan

from magnum_like.api.controllers import base as ctl
from magnum_like.api.controllers.v1 import cluster_operation as ops
from magnum_like.api.types import certificate as cert_types
from magnum_like.pki import trust

ROTATE_CREDENTIAL = 'rotate_credential'
#: Key of ``operation_args`` holding what :func:`trust.rotation_for_request` made.
NEW_TRUST = 'new_trust'


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
        new = trust.rotation_for_request(ctl.context(), cluster)
        try:
            ops.start_operation(cluster, ROTATE_CREDENTIAL, args={NEW_TRUST: new})
        except BaseException:
            trust.discard(cluster.uuid, new if 'trustee_user_id' in new
                          else {'trust_id': new.get('trust_id')})
            raise
        return cert_types.ClusterID(uuid=cluster.uuid)
