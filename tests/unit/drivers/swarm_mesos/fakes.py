"""Cluster views for the Swarm-mode and Mesos driver tests, from unsaved model rows."""
from __future__ import annotations

from magnum_like.drivers import base
from tests.unit.drivers import fakes

CLUSTER_UUID = '7a0c5e2b-3d41-4f6e-9b8a-2c1d0e9f8a7b'


def make_view(*, coe: str = 'swarm-mode', server_type: str = 'vm', masters: int = 1,
              workers: int = 2, lb: bool = False, fip: bool = True, fixed: bool = False,
              volumes: bool = False, volume_driver: str | None = None,
              network_driver: str = 'docker', labels: dict | None = None,
              tls_disabled: bool = False, extra: dict | None = None) -> base.ClusterView:
    """A ClusterView as the conductor builds it (rows need not be saved).

    :param volumes: a 10 GB Docker volume and the volume driver (``rexray``
        unless ``volume_driver`` names another).
    """
    all_labels = dict(labels or {})
    if volumes and volume_driver is None:
        volume_driver = 'rexray'
    return fakes.build_view(
        cluster_uuid=CLUSTER_UUID, cluster_name='ci_runners.swarm',
        template_uuid='0c3a7d53-0000-4000-8000-000000000002', template_name=coe, coe=coe,
        server_type=server_type, masters=masters, workers=workers, lb=lb, fip=fip,
        fixed=fixed, volumes=volumes, labels=all_labels, tls_disabled=tls_disabled,
        extra=extra, network_driver=network_driver, volume_driver=volume_driver,
        http_proxy='http://proxy:3128', https_proxy='', no_proxy='',
        insecure_registry='registry.local:5000')
