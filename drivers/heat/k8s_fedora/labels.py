"""The labels Magnum core gives a meaning to (spec §9.1), read and checked.

Each function takes a ``ClusterView`` and returns the value of the Heat
parameter of the same name (``None``: leave the template's default), or
raises ``InvalidParameterValue`` naming the label and what it allows. The
parameter mapping (``params.py``) calls them, so the API's synchronous
``validate_cluster`` (which renders every parameter) refuses a bad label
with a 400 before anything is accepted.
"""
from __future__ import annotations

import ipaddress
import json
import re
from typing import Any

from oslo_log import log as logging

from magnum_like.common import exception
from magnum_like import conf as ml_conf
from magnum_like.drivers.heat.mapping import bool_text

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)

#: Values of ``ingress_controller`` ('' deploys none).
INGRESS_CONTROLLERS = ('octavia', 'nginx', 'traefik')
#: Values of ``auto_healing_controller``, the default first.
AUTO_HEALING_CONTROLLERS = ('draino', 'magnum-auto-healer', 'magnum-like')
DEFAULT_INGRESS_ROLE = 'ingress'
#: A Kubernetes label value (what ``ingress_controller_role`` becomes: the
#: ``role`` node label the nginx and traefik controllers are placed by).
_LABEL_VALUE = re.compile(r'^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$')

#: The k8s-keystone-auth policy when ``[kubernetes] keystone_auth_default_policy``
#: names no file: the project's members and admins may do anything in the
#: cluster, its readers may look (in the webhook's users/permissions format).
DEFAULT_KEYSTONE_POLICY: list[dict] = [
    {'users': {'roles': ['member', 'admin'], 'projects': ['$PROJECT_ID']},
     'resource_permissions': {'*/*': ['*']},
     'nonresource_permissions': {'*': ['*']}},
    {'users': {'roles': ['reader'], 'projects': ['$PROJECT_ID']},
     'resource_permissions': {'*/*': ['get', 'list', 'watch']},
     'nonresource_permissions': {'*': ['get']}},
]


def invalid(label: str, message: str) -> exception.InvalidParameterValue:
    """The 400 for a bad label value."""
    return exception.InvalidParameterValue(err='labels: %s %s' % (label, message))


def whole_number(view: Any, label: str, default: int | None = None) -> int | None:
    """A label holding a whole number ≥ 0 (``etcd_volume_size`` ...), else ``default``.

    :raises InvalidParameterValue: not a whole number, or negative.
    """
    value = view.label(label)
    if value is None:
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise invalid(label, 'must be a whole number of 0 or more (got %r).' % value) from None
    if number < 0:
        raise invalid(label, 'must be a whole number of 0 or more (got %d).' % number)
    return number


def number_label(label: str):
    """The ``compute`` of a whole-number label's parameter (see :func:`whole_number`)."""
    def value(view: Any) -> int | None:
        return whole_number(view, label)
    return value


def boot_volume_size(view: Any) -> int:
    """GB of the volume nodes boot from: label ``boot_volume_size``, else
    ``[cinder] default_boot_volume_size`` (0: the flavor's disk)."""
    return whole_number(view, 'boot_volume_size', CONF.cinder.default_boot_volume_size) or 0


def volume_type(kind: str):
    """The Cinder type of the ``kind`` (boot, docker, etcd) volumes: label
    ``<kind>_volume_type``, else ``[cinder] default_<kind>_volume_type``, else
    None (the template's "": Cinder's default type)."""
    def value(view: Any) -> str | None:
        return (view.label('%s_volume_type' % kind)
                or getattr(CONF.cinder, 'default_%s_volume_type' % kind) or None)
    return value


def lb_allowed_cidrs(view: Any) -> list[str] | None:
    """Label ``master_lb_allowed_cidrs``: comma-separated IPv4 CIDRs that may
    reach the API load balancer, normalized. None (unset) lets any address in;
    when set, the template adds the nodes' subnet so the nodes keep reaching
    the API through the load balancer.

    :raises InvalidParameterValue: a value that is not an IPv4 network.
    """
    value = view.label('master_lb_allowed_cidrs')
    if value is None:
        return None
    cidrs = []
    for item in str(value).split(','):
        item = item.strip()
        if not item:
            continue
        try:
            network = ipaddress.ip_network(item, strict=False)
        except ValueError:
            network = None
        if network is None or network.version != 4:
            raise invalid('master_lb_allowed_cidrs',
                          'must be comma-separated IPv4 CIDRs such as 192.0.2.0/24 (got %r).'
                          % item)
        cidrs.append(str(network))
    return cidrs or None


def _choice(view: Any, label: str, allowed: tuple[str, ...], default: str) -> str:
    value = str(view.label(label, default)).strip()
    if value != default and value not in allowed:
        raise invalid(label, 'must be one of %s%s (got %r).'
                      % (', '.join(allowed), ', or unset' if not default else '', value))
    return value


def ingress_controller(view: Any) -> str | None:
    """Label ``ingress_controller``: octavia, nginx, traefik, or unset (none).

    :raises InvalidParameterValue: any other value.
    """
    return _choice(view, 'ingress_controller', INGRESS_CONTROLLERS, '') or None


def ingress_controller_role(view: Any) -> str:
    """Label ``ingress_controller_role`` (default ``ingress``): the ``role`` node
    label of the nodes running the nginx or traefik controller.

    :raises InvalidParameterValue: not a valid Kubernetes label value.
    """
    value = str(view.label('ingress_controller_role', DEFAULT_INGRESS_ROLE)).strip()
    if not _LABEL_VALUE.match(value):
        raise invalid('ingress_controller_role',
                      'must be a Kubernetes label value: up to 63 letters, digits, "-", "_" '
                      'or ".", starting and ending with a letter or digit (got %r).' % value)
    return value


def auto_healing_controller(view: Any) -> str:
    """Label ``auto_healing_controller``: draino (default), magnum-auto-healer, or
    magnum-like (the conductors heal, nothing runs in the cluster).

    The grace period of the service's own healing is checked with it (it is
    no Heat parameter: the conductors read it).

    :raises InvalidParameterValue: any other value.
    """
    auto_healing_grace_period(view)
    return _choice(view, 'auto_healing_controller', AUTO_HEALING_CONTROLLERS,
                   AUTO_HEALING_CONTROLLERS[0])


#: Label ``auto_healing_grace_period``: its default and largest value (seconds).
DEFAULT_GRACE_PERIOD = 60
MAX_GRACE_PERIOD = 86400


def auto_healing_grace_period(view: Any) -> int:
    """Seconds a node stays NotReady before the ``magnum-like`` controller replaces it.

    :raises InvalidParameterValue: not a whole number from 0 to 86400.
    """
    value = whole_number(view, 'auto_healing_grace_period', DEFAULT_GRACE_PERIOD)
    if value > MAX_GRACE_PERIOD:
        raise invalid('auto_healing_grace_period', 'must be at most %d seconds (got %d).'
                      % (MAX_GRACE_PERIOD, value))
    return value


def keystone_auth_policy(view: Any) -> str | None:
    """The k8s-keystone-auth policy of a cluster with ``keystone_auth_enabled``
    (default true): ``[kubernetes] keystone_auth_default_policy``'s file, else
    :data:`DEFAULT_KEYSTONE_POLICY`, with ``$PROJECT_ID`` the cluster's project.
    None when the label is false.

    :raises ServiceUnavailable: the configured file cannot be read or is not a
        JSON list (the operator's to fix; a broader built-in policy is not
        silently used instead).
    """
    if bool_text(view.label('keystone_auth_enabled', 'true')) != 'true':
        return None
    path = CONF.kubernetes.keystone_auth_default_policy
    if path:
        try:
            with open(path, encoding='utf-8') as f:
                policy = json.load(f)
            if not isinstance(policy, list):
                raise ValueError('not a JSON list of rules')
        except (OSError, ValueError) as error:
            LOG.error('[kubernetes] keystone_auth_default_policy %s is unusable: %s',
                      path, error)
            raise exception.ServiceUnavailable(
                service='Kubernetes Keystone auth',
                reason='the operator\'s default policy file is unusable; create the '
                       'cluster with the label keystone_auth_enabled=false or ask the '
                       'operator to fix it') from None
    else:
        policy = DEFAULT_KEYSTONE_POLICY
    text = json.dumps(policy, sort_keys=True)
    return text.replace('$PROJECT_ID', str(view.cluster.project_id or ''))


def ca_private_key(view: Any) -> str | None:
    """The Kubernetes CA's private key for a cluster with the label
    ``cert_manager_api`` (the conductor supplies it as ``extra['kube_ca_key']``,
    only then); None otherwise."""
    if bool_text(view.label('cert_manager_api', 'false')) != 'true':
        return None
    return view.extra.get('kube_ca_key') or None
