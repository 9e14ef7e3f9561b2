"""The rules a cluster template obeys (spec §4.1), applied on create and on PATCH.

Each failure is an ``InvalidParameterValue`` naming the field and what is
allowed. ``apply_defaults`` and ``check_rules`` work on plain dicts so that a
patched document is checked exactly like a new one.
"""
from __future__ import annotations

import functools
import ipaddress

from magnum_like import conf as ml_conf
from magnum_like.common import cloud as cloud_mod
from magnum_like.common import drivers
from magnum_like.common import exception

CONF = ml_conf.CONF

#: volume drivers each COE supports.
VOLUME_DRIVERS = {
    'kubernetes': ('cinder',),
    'swarm': ('cinder', 'rexray'),
    'swarm-mode': ('cinder', 'rexray'),
    'mesos': ('rexray',),
}

#: The network-driver options of each COE: (allowed list option, default option).
_NETWORK_OPTS = {
    'kubernetes': ('kubernetes_allowed_network_drivers', 'kubernetes_default_network_driver'),
    'swarm': ('swarm_allowed_network_drivers', 'swarm_default_network_driver'),
    'swarm-mode': ('swarm_allowed_network_drivers', 'swarm_default_network_driver'),
    'mesos': ('mesos_allowed_network_drivers', 'mesos_default_network_driver'),
}

#: Network drivers each COE can run at all, whatever the configuration allows.
SUPPORTED_NETWORK_DRIVERS = {
    'kubernetes': ('flannel', 'calico'),
    'swarm': ('docker', 'flannel'),
    'swarm-mode': ('docker', 'flannel'),
    'mesos': ('docker',),
}

BOOL_DEFAULTS = {
    'registry_enabled': False,
    'tls_disabled': False,
    'public': False,
    'hidden': False,
    'master_lb_enabled': False,
    'floating_ip_enabled': True,
}

#: Paths a PATCH may not remove.
NON_REMOVABLE = ('network_driver', 'external_network_id', 'tls_disabled', 'public',
                 'server_type', 'coe', 'registry_enabled', 'cluster_distro', 'hidden',
                 'image_id')
MANDATORY = ('coe', 'image_id')


def _invalid(field: str, message: str) -> exception.InvalidParameterValue:
    return exception.InvalidParameterValue(err='%s: %s' % (field, message))


def apply_defaults(values: dict) -> dict:
    """Fill what a new template leaves out (None counts as left out)."""
    result = {k: v for k, v in values.items() if v is not None}
    for field, default in BOOL_DEFAULTS.items():
        result.setdefault(field, default)
    result.setdefault('server_type', 'vm')
    result.setdefault('labels', {})
    coe = result.get('coe')
    if coe in _NETWORK_OPTS and not result.get('network_driver'):
        result['network_driver'] = CONF.cluster_template[_NETWORK_OPTS[coe][1]]
    return result


def allowed_network_drivers(coe: str) -> list[str]:
    """Network drivers a template of this COE may name, per configuration."""
    allowed = CONF.cluster_template[_NETWORK_OPTS[coe][0]]
    if 'all' in allowed:
        return list(SUPPORTED_NETWORK_DRIVERS[coe])
    return [d for d in allowed if d in SUPPORTED_NETWORK_DRIVERS[coe]]


def check_rules(values: dict) -> None:
    """Check one complete template document.

    :raises InvalidParameterValue: the first rule broken, naming the field.
    """
    for field in MANDATORY:
        if not values.get(field):
            raise _invalid(field, 'this field is mandatory.')
    coe = values['coe']
    if coe not in _NETWORK_OPTS:
        raise _invalid('coe', 'must be one of %s.' % ', '.join(_NETWORK_OPTS))
    if values.get('server_type') not in ('vm', 'bm'):
        raise _invalid('server_type', "must be one of vm, bm.")

    network_driver = values.get('network_driver')
    if network_driver is not None:
        allowed = allowed_network_drivers(coe)
        if network_driver not in allowed:
            raise _invalid('network_driver', 'driver %r is not supported for coe %s; allowed: '
                                             '%s.' % (network_driver, coe, ', '.join(allowed)))
    volume_driver = values.get('volume_driver')
    if volume_driver is not None and volume_driver not in VOLUME_DRIVERS[coe]:
        raise _invalid('volume_driver', 'driver %r is not supported for coe %s; allowed: %s.'
                       % (volume_driver, coe, ', '.join(VOLUME_DRIVERS[coe])))

    dns = values.get('dns_nameserver')
    if dns is not None:
        for entry in dns.split(','):
            try:
                ipaddress.IPv4Address(entry.strip())
            except ValueError:
                raise _invalid('dns_nameserver', '%r is not an IPv4 address; give a '
                                                 'comma-separated list of IPv4 addresses.'
                               % entry.strip())

    size = values.get('docker_volume_size')
    if (size is not None and values.get('docker_storage_driver') == 'devicemapper'
            and size < 3):
        raise _invalid('docker_volume_size', 'must be at least 3 (GB) with '
                                             'docker_storage_driver devicemapper.')
    labels = values.get('labels') or {}
    if not isinstance(labels, dict):
        raise _invalid('labels', 'must be an object of key/value pairs.')


def check_cloud_resources(values: dict, cloud, *, fields: set | None = None) -> dict:
    """Look up what the template names in the cloud; return fields derived from it.

    :param cloud: a ``CloudResources``.
    :param fields: check only these fields (a PATCH re-checks what it changed);
        None checks all.
    :returns: ``cluster_distro`` (from the image's ``os_distro``) and the image's
        ``magnum_driver``, when the image was checked.
    :raises Invalid: something named does not exist or is unusable.

    ``keypair_id`` is not looked up: keypairs belong to users and templates are
    shared, so (as in Magnum) a cluster create checks it for its own user.
    """
    def wanted(field):
        return values.get(field) and (fields is None or field in fields)

    calls = []
    if wanted('image_id'):
        calls.append((cloud.get_image, (values['image_id'],)))
    for field in ('flavor_id', 'master_flavor_id'):
        if wanted(field):
            calls.append((cloud.get_flavor, (values[field],)))
    if wanted('external_network_id'):
        calls.append((functools.partial(cloud.get_network, external=True),
                      (values['external_network_id'],)))
    if wanted('fixed_network'):
        calls.append((cloud.get_network, (values['fixed_network'],)))
    if wanted('fixed_subnet'):
        calls.append((cloud.get_subnet, (values['fixed_subnet'],)))
    results = cloud_mod.gather(calls)   # independent: at the same time
    derived: dict = {}
    if wanted('image_id'):
        image = results[0]
        distro = image.get('os_distro')
        if not distro:
            raise exception.OSDistroFieldNotFound(image_id=values['image_id'])
        derived['cluster_distro'] = distro
        derived['image_driver'] = image.get('magnum_driver')
    return derived


def resolve_driver(values: dict, image_driver: str | None) -> str | None:
    """The driver the template gets (see ``common.drivers.resolve_driver``)."""
    return drivers.resolve_driver(
        requested=values.get('driver'), image_driver=image_driver,
        server_type=values['server_type'], os_distro=values.get('cluster_distro'),
        coe=values['coe'])
