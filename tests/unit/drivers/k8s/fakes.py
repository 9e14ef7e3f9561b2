"""Cluster views for the Kubernetes driver tests, from unsaved model rows."""
from __future__ import annotations

from magnum_like.drivers import base
from tests.unit.drivers import fakes

CLUSTER_UUID = '5d12f6fd-a196-4bf0-ae4c-1f639a523a52'


def make_view(*, server_type: str = 'vm', masters: int = 1, workers: int = 2,
              lb: bool = False, fip: bool = True, fixed: bool = False,
              volumes: bool = False, network_driver: str = 'flannel',
              labels: dict | None = None, tls_disabled: bool = False,
              extra: dict | None = None) -> base.ClusterView:
    """A ClusterView as the conductor builds it (rows need not be saved)."""
    all_labels = {'kube_tag': 'v1.15.7'}
    if volumes:
        all_labels['etcd_volume_size'] = '5'
    all_labels.update(labels or {})
    return fakes.build_view(
        cluster_uuid=CLUSTER_UUID, cluster_name='my_cluster.one',
        template_uuid='0c3a7d53-0000-4000-8000-000000000001', template_name='k8s',
        coe='kubernetes', server_type=server_type, masters=masters, workers=workers, lb=lb,
        fip=fip, fixed=fixed, volumes=volumes, labels=all_labels, tls_disabled=tls_disabled,
        extra=extra, network_driver=network_driver, http_proxy='', https_proxy='',
        no_proxy='')
