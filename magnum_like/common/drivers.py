"""Finding cluster drivers: stevedore entry points in ``magnum_like.drivers``.

A driver class declares ``provides``: a list of ``{'server_type', 'os', 'coe'}``
it can build. A template's driver is, in order: the one it names, the one its
image names (``magnum_driver`` property), ``[drivers] default_driver``, or the
one whose ``provides`` matches ``(server_type, cluster_distro, coe)``.
"""
from __future__ import annotations

import functools
from typing import Any

from oslo_log import log as logging
import stevedore

from magnum_like import conf as ml_conf
from magnum_like.common import exception

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)

NAMESPACE = 'magnum_like.drivers'


@functools.lru_cache(maxsize=1)
def _extensions() -> dict:
    manager = stevedore.ExtensionManager(NAMESPACE, invoke_on_load=False,
                                         on_load_failure_callback=_load_failed)
    return {ext.name: ext.plugin for ext in manager}


def reset() -> None:
    """Forget the drivers found so far (tests that install a driver distribution).

    Both caches go: ours, and stevedore's per-namespace entry-point list.
    """
    _extensions.cache_clear()
    stevedore.ExtensionManager.ENTRY_POINT_CACHE.pop(NAMESPACE, None)


def _load_failed(manager, entrypoint, exc):
    LOG.error('Cluster driver %s could not be loaded: %s', entrypoint, exc)


def available_drivers() -> dict:
    """Enabled drivers by entry-point name."""
    result = {}
    for name, plugin in _extensions().items():
        if name in CONF.drivers.disabled_drivers:
            continue
        if getattr(plugin, 'beta', False) and name not in CONF.drivers.enabled_beta_drivers:
            continue
        result[name] = plugin
    return result


def get_driver_class(name: str):
    """The enabled driver class called ``name``.

    :raises ClusterDriverNotSupported: no such enabled driver.
    """
    drivers = available_drivers()
    if name not in drivers:
        raise exception.ClusterDriverNotSupported(driver_name=name)
    return drivers[name]


def driver_for(template: Any) -> Any:
    """The driver (an instance) that builds clusters of ``template``: its
    ``driver``, else the one whose ``provides`` matches its type. The API
    and the conductor both ask this.

    :raises ClusterDriverNotSupported: the template names a driver not installed.
    :raises ClusterTypeNotSupported: no driver builds its (server_type, os, coe).
    """
    name = template.driver or find_by_type(template.server_type, template.cluster_distro,
                                           template.coe)
    if name is None:
        raise exception.ClusterTypeNotSupported(server_type=template.server_type,
                                                os=template.cluster_distro, coe=template.coe)
    return get_driver_class(name)()


def find_by_type(server_type: str, os_distro: str | None, coe: str) -> str | None:
    """Name of the first (alphabetically) driver providing this tuple, or None."""
    for name, plugin in sorted(available_drivers().items()):
        for item in getattr(plugin, 'provides', []):
            if (item.get('server_type') == server_type and item.get('coe') == coe
                    and item.get('os') == os_distro):
                return name
    return None


def resolve_driver(*, requested: str | None, image_driver: str | None, server_type: str,
                   os_distro: str | None, coe: str) -> str | None:
    """The driver a new template gets.

    A driver named by the request or the image must exist. Without one, the
    configured default or a type match is used; a template no enabled driver
    builds is refused here rather than at its first cluster create.

    :raises InvalidParameterValue: a named driver is not installed or enabled, or
        none is named and no enabled driver provides the type.
    """
    for source, name in (('driver', requested), ('image property magnum_driver', image_driver)):
        if name:
            if name not in available_drivers():
                raise exception.InvalidParameterValue(
                    err='%s: cluster driver %r is not supported. Available drivers: %s.'
                        % (source, name, ', '.join(sorted(available_drivers())) or 'none'))
            return name
    if CONF.drivers.default_driver and CONF.drivers.default_driver in available_drivers():
        return CONF.drivers.default_driver
    found = find_by_type(server_type, os_distro, coe)
    if found is None:
        raise exception.InvalidParameterValue(
            err='server_type, cluster_distro, coe: no enabled cluster driver builds '
                '(server_type=%s, cluster_distro=%s, coe=%s). Enabled drivers: %s. Use a '
                'supported combination (cluster_distro comes from the image\'s os_distro '
                'property) or name a driver in the driver field.'
                % (server_type, os_distro, coe, describe_drivers()))
    return found


def describe_drivers() -> str:
    """The enabled drivers and the ``(server_type, os, coe)`` each builds, for messages."""
    entries = []
    for name, plugin in sorted(available_drivers().items()):
        provides = ', '.join('(%s, %s, %s)' % (p.get('server_type'), p.get('os'), p.get('coe'))
                             for p in getattr(plugin, 'provides', []))
        entries.append('%s %s' % (name, provides) if provides else name)
    return '; '.join(entries) or 'none'

