"""The Certificate resource of ``/v1/certificates`` (spec §3.4).

Only certificates (a CA's, or one just signed) and the CSR the caller sent
appear here; private keys never do.
"""
from __future__ import annotations

import wsme
from wsme import types as wtypes

from magnum_like.api.types import base


class Certificate(base.APIBase):
    """A cluster's CA certificate (GET) or a certificate signed for a CSR (POST)."""

    cluster_uuid = wsme.wsattr(wtypes.StringType(min_length=1, max_length=255))
    """The cluster: uuid in responses; uuid or name in a request."""

    csr = wsme.wsattr(wtypes.text)
    """The PEM certificate signing request (POST)."""

    ca_cert_type = wsme.wsattr(wtypes.text)
    """Which CA signs (POST; ``kubernetes`` when unset, ``etcd``, ``front_proxy``)."""

    pem = wsme.wsattr(wtypes.text, readonly=True)
    """The PEM certificate."""

    links = wsme.wsattr([base.Link], readonly=True)

    @classmethod
    def build(cls, base_url: str, cluster_uuid: str, pem: str,
              csr: str | None = None) -> 'Certificate':
        """The response document (``created_at``/``updated_at`` and ``ca_cert_type`` unset)."""
        cert = cls(cluster_uuid=cluster_uuid, pem=pem)
        if csr is not None:
            cert.csr = csr
        cert.links = base.resource_links(base_url, 'certificates', cluster_uuid)
        return cert


class ClusterID(wtypes.Base):
    """``{"uuid": <cluster uuid>}``: the answer to an accepted rotation (202)."""

    uuid = wtypes.text
