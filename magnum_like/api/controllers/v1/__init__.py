"""``/v1``: the version 1 document and its collections."""
from __future__ import annotations

from pecan import rest
from wsme import types as wtypes
from wsmeext import pecan as wsme_pecan

from magnum_like.api.controllers import base as ctl
from magnum_like.api.controllers.v1 import certificate
from magnum_like.api.controllers.v1 import cluster
from magnum_like.api.controllers.v1 import cluster_template
from magnum_like.api.controllers.v1 import credential
from magnum_like.api.controllers.v1 import federation
from magnum_like.api.controllers.v1 import magnum_service
from magnum_like.api.controllers.v1 import quota
from magnum_like.api.controllers.v1 import stats
from magnum_like.api.types import base

COLLECTIONS = ('clustertemplates', 'clusters', 'quotas', 'certificates', 'mservices',
               'stats', 'federations', 'credentials')


class MediaType(wtypes.Base):
    """A media type the API serves."""

    base = wtypes.text
    type = wtypes.text


class V1(wtypes.Base):
    """The ``/v1`` document: what this version offers and where."""

    id = wtypes.text
    media_types = [MediaType]
    links = [base.Link]
    clustertemplates = [base.Link]
    clusters = [base.Link]
    quotas = [base.Link]
    certificates = [base.Link]
    mservices = [base.Link]
    stats = [base.Link]
    federations = [base.Link]
    nodegroups = [base.Link]
    credentials = [base.Link]

    @classmethod
    def build(cls, url: str) -> 'V1':
        doc = cls(id='v1')
        doc.media_types = [MediaType(base='application/json',
                                     type='application/vnd.openstack.magnum.v1+json')]
        doc.links = [base.Link.make('self', url, ''),
                     base.Link(href='https://docs.openstack.org/magnum/latest/user/',
                               rel='describedby', type='text/html')]
        for name in COLLECTIONS:
            setattr(doc, name, [base.Link.make('self', url, name),
                                base.Link.make('bookmark', url, name, bookmark=True)])
        doc.nodegroups = [base.Link.make('self', url, 'clusters/{cluster_id}', 'nodegroups'),
                          base.Link.make('bookmark', url, 'clusters/{cluster_id}', 'nodegroups',
                                         bookmark=True)]
        return doc


class V1Controller(rest.RestController):
    """``/v1``"""

    clustertemplates = cluster_template.ClusterTemplatesController()

    def _find_sub_controllers(self, remainder, request):
        # pecan would treat /v1/<x>/clustertemplates as a nested resource and pass
        # <x> to the collection as its first argument (the marker); /v1 has no
        # identifiers, so only /v1/<collection>/... routes to a collection.
        if remainder and not isinstance(getattr(self, remainder[0], None), rest.RestController):
            return None
        return super()._find_sub_controllers(remainder, request)
    certificates = certificate.CertificateController()
    credentials = credential.CredentialsController()
    clusters = cluster.ClustersController()
    quotas = quota.QuotaController()
    stats = stats.StatsController()
    mservices = magnum_service.MagnumServiceController()
    federations = federation.FederationsController()

    @wsme_pecan.wsexpose(V1)
    def get(self):
        return V1.build(ctl.base_url())
