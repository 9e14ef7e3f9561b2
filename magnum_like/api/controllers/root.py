"""``/``: the version document, and ``/v1``."""
from __future__ import annotations

from pecan import rest
from wsme import types as wtypes
from wsmeext import pecan as wsme_pecan

from magnum_like.api import microversion
from magnum_like.api.controllers import base as ctl
from magnum_like.api.controllers import v1
from magnum_like.api.types import base


class Version(base.APIBase):
    """One API version."""

    id = wtypes.text
    status = wtypes.text
    min_version = wtypes.text
    max_version = wtypes.text
    links = [base.Link]


class Root(wtypes.Base):
    """The root document: which API versions this server speaks."""

    name = wtypes.text
    description = wtypes.text
    versions = [Version]


class RootController(rest.RestController):
    """``/``"""

    v1 = v1.V1Controller()

    @wsme_pecan.wsexpose(Root)
    def get(self):
        url = ctl.base_url()
        current = Version(id='v1', status='CURRENT',
                          min_version=str(microversion.MIN_VERSION),
                          max_version=str(microversion.MAX_VERSION),
                          links=[base.Link(href=url + '/v1/', rel='self')])
        return Root(name='OpenStack Magnum API',
                    description='Container infrastructure management: Kubernetes, Swarm '
                                'and Mesos clusters on OpenStack (magnum_like).',
                    versions=[current])
