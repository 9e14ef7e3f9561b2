"""Heat parameter sources every Fedora Heat driver shares, Kubernetes and
Docker-based alike: images, flavors and the key pair of each role, values the
conductor supplies, the CA generation and what a node learns of its node group.
The families' own tables (labels and their checks) stay in their folders.
"""
from __future__ import annotations

import hashlib
from typing import Any

from magnum_like.common import exception
from magnum_like.drivers.heat.mapping import bool_text

def image(role: str):
    """The default node group's image, else the template's."""
    def value(view) -> Any:
        return view.nodegroup(role).image_id or view.template.image_id
    return value

def flavor(role: str):
    """The default node group's flavor, else the cluster's (or template's).

    Masters without a master flavor anywhere get the workers' flavor (Magnum's
    templates fall back to a Heat default; a flavor the user chose is a better one).
    """
    attr = 'master_flavor_id' if role == 'master' else 'flavor_id'

    def value(view) -> Any:
        found = view.nodegroup(role).flavor_id or view.attr(attr)
        if not found and role == 'master':
            found = view.attr('flavor_id')
        return found
    return value

def keypair(view) -> Any:
    return view.cluster.keypair or view.template.keypair_id

def docker_volume_size(view) -> Any:
    for source in (view.nodegroup('worker'), view.cluster, view.template):
        size = getattr(source, 'docker_volume_size', None)
        if size is not None:
            return int(size)
    return 0

def lb_floating_ip(view) -> bool:
    """Label ``master_lb_floating_ip_enabled``, defaulting to floating_ip_enabled."""
    value = view.label('master_lb_floating_ip_enabled')
    if value is None:
        return bool(view.attr('floating_ip_enabled'))
    return bool_text(value) == 'true'

def extra_or_cluster(name: str):
    """A value the conductor supplies, else the cluster's (or its template's) field
    of that name."""
    def value(view) -> Any:
        found = view.extra.get(name)
        return found if found not in (None, '') else view.attr(name)
    return value

def ca_generation(view) -> str:
    """A digest of the cluster's CA certificates (``extra``, from the conductor).

    The nodes fetch their certificates from the certificates API when they are
    built; a CA rotation changes this value, so the stack update rebuilds them
    (in rolling batches) against the new CAs. Empty when no CAs were supplied.
    """
    certificates = [view.extra.get(name) or '' for name in
                    ('kube_ca_cert', 'etcd_ca_cert', 'front_proxy_ca_cert')]
    if not any(certificates):
        return ''
    return hashlib.sha256('\n'.join(certificates).encode('utf-8')).hexdigest()[:16]

def nodegroup_name(role: str):
    """The name of the node group whose nodes the stack builds for ``role``."""
    def value(view) -> str:
        return view.nodegroup(role).name or ''
    return value

def nodegroup_role(role: str):
    """The node group's own role (a non-default group may name one, e.g. ``gpu``;
    seen as the cluster's workers, ``own_role`` keeps it)."""
    def value(view) -> str:
        group = view.nodegroup(role)
        return getattr(group, 'own_role', None) or group.role or role
    return value


def check_baremetal(view) -> None:
    """A baremetal (Ironic) cluster is on an existing network and subnet and
    uses its nodes' local disks (no Docker volume).

    :raises InvalidParameterValue: naming the field.
    """
    for name in ('fixed_network', 'fixed_subnet'):
        if not view.attr(name):
            raise exception.InvalidParameterValue(
                err='%s: baremetal clusters need an existing network and subnet '
                    '(set fixed_network and fixed_subnet on the cluster template).' % name)
    if docker_volume_size(view):
        raise exception.InvalidParameterValue(
            err='docker_volume_size: baremetal nodes use their local disks; '
                'leave it unset or 0.')
