"""``/v1/certificates``: show a cluster's CA, sign a CSR, rotate the CAs (spec §3.4, §6).

Only the cluster's creator (or an admin) may read its CA or have a CSR signed
(``certificate:get`` / ``certificate:create`` target the cluster's
``project_id`` and ``user_id``); a cluster of another project is not found.
Responses carry certificates, never a private key.
"""
from __future__ import annotations

import functools

import pecan
from pecan import rest
from wsme import types as wtypes
from wsmeext import pecan as wsme_pecan

from magnum_like.api.controllers import base as ctl
from magnum_like.api.controllers.v1 import cluster_operation as ops
from magnum_like.api.types import certificate as cert_types
from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.db import api as db
from magnum_like.pki import certificates

ROTATE_CA = 'rotate_ca'


def _tls_disabled(cluster) -> bool:
    try:
        template = db.get_cluster_template_by_uuid(ml_context.get_admin_context(),
                                                   cluster.cluster_template_id)
    except exception.ClusterTemplateNotFound:
        return False
    return bool(template.tls_disabled)


class CertificateController(rest.RestController):
    """``/v1/certificates``"""

    @wsme_pecan.wsexpose(cert_types.Certificate, wtypes.text, wtypes.text)
    def get_one(self, cluster_ident, ca_cert_type=None):
        """The PEM of one of the cluster's CAs (``ca_cert_type``, default Kubernetes).

        :raises InvalidParameterValue: (400) unknown ``ca_cert_type``.
        :raises ClusterNotFound: (404) not visible to the caller.
        :raises PolicyNotAuthorized: (403) not the cluster's creator nor an admin.
        """
        ca_type = certificates.normalize_ca_type(ca_cert_type)
        cluster = ops.find_cluster(cluster_ident,
                                   all_projects_rule='cluster:get_one_all_projects')
        ctl.enforce('certificate:get', ops.owner_target(cluster))
        pem = certificates.get_ca(ctl.context(), cluster, ca_type)
        return cert_types.Certificate.build(ctl.base_url(), cluster.uuid, pem)

    @wsme_pecan.wsexpose(cert_types.Certificate, body=cert_types.Certificate,
                         status_code=201)
    def post(self, certificate):
        """Sign ``csr`` with the cluster's CA (``ca_cert_type``) for client and server use.

        :raises InvalidParameterValue: (400) no or unknown cluster, unknown CA type.
        :raises InvalidCsr: (400)
        :raises PolicyNotAuthorized: (403)
        """
        values = certificate.as_dict()
        ident = values.get('cluster_uuid')
        if not ident:
            raise exception.InvalidParameterValue(err='cluster_uuid: a cluster uuid or name '
                                                      'is required.')
        if not values.get('csr'):
            raise exception.InvalidCsr(reason='csr is required.')
        ca_type = certificates.normalize_ca_type(values.get('ca_cert_type'))
        try:
            cluster = ops.find_cluster(ident, all_projects_rule='cluster:get_one_all_projects')
        except exception.ClusterNotFound:
            # Magnum answers 400 for a body naming an unknown cluster.
            raise exception.InvalidParameterValue(
                err='cluster_uuid: cluster %s could not be found.' % ident)
        ctl.enforce('certificate:create', ops.owner_target(cluster))
        pem = certificates.sign(ctl.context(), cluster, values['csr'], ca_type)
        result = cert_types.Certificate.build(ctl.base_url(), cluster.uuid, pem,
                                              csr=values['csr'])
        pecan.response.location = result.links[0].href
        return result

    @wsme_pecan.wsexpose(cert_types.ClusterID, wtypes.text, status_code=202)
    def patch(self, cluster_ident):
        """Rotate the cluster's CAs: 202, the new CAs are in place, the nodes follow.

        The three CAs and the service's client certificate are replaced now; the
        cluster goes to ``UPDATE_IN_PROGRESS`` with ``operation='rotate_ca'``
        and the old references in ``operation_args['old_refs']``; a conductor
        updates the stack and then deletes the old certificates.

        :raises ClusterNotFound: (404)
        :raises PolicyNotAuthorized: (403)
        :raises TLSDisabled: (400) the cluster's template disables TLS.
        :raises ClusterNotStable: (409) the cluster is busy or failed.
        """
        cluster = ops.find_cluster(cluster_ident,
                                   all_projects_rule='cluster:update_all_projects')
        ctl.enforce('certificate:rotate_ca', ops.owner_target(cluster))
        if _tls_disabled(cluster):
            raise exception.TLSDisabled(cluster=cluster.uuid)
        # Claim the cluster first (atomic; 409 when busy), then replace the CAs.
        ops.start_operation(cluster, ROTATE_CA, nudge=False)
        try:
            # The API writes the new references with the operation it claimed.
            certificates.rotate_cluster_ca(ctl.context(), cluster.uuid,
                                           save=functools.partial(db.update_cluster,
                                                                  cluster.uuid),
                                           values={'operation_args': {}})
        except Exception:
            ops.abandon_operation(cluster)
            raise
        ops.nudge_conductor(cluster.uuid)
        return cert_types.ClusterID(uuid=cluster.uuid)
