"""Cluster views for the driver tests, from unsaved model rows (what every COE shares)."""
from __future__ import annotations

from typing import Any

from magnum_like.db import models
from magnum_like.drivers import base


def build_view(*, cluster_uuid: str, cluster_name: str, template_uuid: str, template_name: str,
               coe: str, server_type: str, masters: int, workers: int, lb: bool, fip: bool,
               fixed: bool, volumes: bool, labels: dict, tls_disabled: bool,
               extra: dict | None, **template_columns: Any) -> base.ClusterView:
    """A ClusterView as the conductor builds it (rows need not be saved).

    :param labels: the template's and the cluster's labels.
    :param template_columns: the COE's own template columns (``network_driver``,
        proxies, ...).
    """
    template = models.ClusterTemplate(
        uuid=template_uuid, name=template_name, coe=coe,
        image_id='fedora-atomic-latest', flavor_id='m1.small', master_flavor_id='m1.medium',
        keypair_id='default', dns_nameserver='8.8.8.8', external_network_id='public',
        fixed_network='private-net' if fixed else None,
        fixed_subnet='private-subnet' if fixed else None,
        docker_volume_size=10 if volumes else None,
        docker_storage_driver='overlay2', cluster_distro='fedora-atomic',
        server_type=server_type, labels=dict(labels), tls_disabled=tls_disabled,
        master_lb_enabled=lb, floating_ip_enabled=fip, registry_enabled=False,
        **template_columns)
    cluster = models.Cluster(
        uuid=cluster_uuid, name=cluster_name, project_id='p1', user_id='u1',
        cluster_template_id=template.uuid, keypair='default', labels=dict(labels),
        master_flavor_id='m1.medium', flavor_id='m1.small', create_timeout=60,
        docker_volume_size=10 if volumes else None, master_lb_enabled=lb,
        floating_ip_enabled=fip, fixed_network=template.fixed_network,
        fixed_subnet=template.fixed_subnet, trustee_user_id='trustee-1',
        trustee_password='secret')
    master = models.NodeGroup(uuid='ng-master', name='default-master', cluster_id=cluster_uuid,
                              role='master', is_default=True, node_count=masters,
                              flavor_id='m1.medium', image_id='fedora-atomic-latest')
    worker = models.NodeGroup(uuid='ng-worker', name='default-worker', cluster_id=cluster_uuid,
                              role='worker', is_default=True, node_count=workers,
                              flavor_id='m1.small', image_id='fedora-atomic-latest',
                              docker_volume_size=10 if volumes else None)
    view_extra = {'magnum_url': 'http://127.0.0.1:9511/v1',
                  'auth_url': 'http://127.0.0.1:5000/v3', 'region_name': 'RegionOne',
                  'trust_id': 'trust-1', 'verify_ca': True}
    view_extra.update(extra or {})
    return base.ClusterView(cluster=cluster, template=template, nodegroups=[master, worker],
                            extra=view_extra)
