"""Node labels and taints of a node group (spec §4.3).

Kubernetes' NodeRestriction admission lets a kubelet set only some labels in
the ``kubernetes.io``/``k8s.io`` namespaces; anything else there would make
the nodes fail to register, so it is refused here with a 400.
"""
from __future__ import annotations

import re
from typing import Any

from magnum_like.api.validation.cluster import invalid

TAINT_EFFECTS = ('NoSchedule', 'PreferNoSchedule', 'NoExecute')
TAINT_KEYS = ('key', 'value', 'effect')
#: Prefixes in the reserved namespaces a kubelet may still use.
ALLOWED_PREFIXES = ('kubelet.kubernetes.io', 'node.kubernetes.io')
#: Well-known labels in the reserved namespaces a kubelet may set.
WELL_KNOWN = frozenset((
    'kubernetes.io/hostname', 'kubernetes.io/instance-type', 'kubernetes.io/os',
    'kubernetes.io/arch', 'beta.kubernetes.io/instance-type', 'beta.kubernetes.io/os',
    'beta.kubernetes.io/arch', 'failure-domain.beta.kubernetes.io/zone',
    'failure-domain.beta.kubernetes.io/region', 'failure-domain.kubernetes.io/zone',
    'failure-domain.kubernetes.io/region', 'topology.kubernetes.io/zone',
    'topology.kubernetes.io/region', 'node.kubernetes.io/windows-build',
))

_NAME = re.compile(r'^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$')
_PREFIX = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')


def _in_namespace(prefix: str, domain: str) -> bool:
    return prefix == domain or prefix.endswith('.' + domain)


def check_key(key: Any, field: str) -> None:
    """A Kubernetes qualified name: ``[prefix/]name``. :raises InvalidParameterValue:"""
    if not isinstance(key, str) or not key:
        raise invalid(field, 'keys must be non-empty strings (got %r).' % (key,))
    prefix, _, name = key.rpartition('/')
    if not _NAME.match(name) or (prefix and (len(prefix) > 253 or not _PREFIX.match(prefix))):
        raise invalid(field, '%r is not a valid key: [DNS subdomain prefix/]name, the name '
                             'at most 63 alphanumerics, "-", "_" or ".".' % key)


def check_node_labels(labels: Any) -> dict | None:
    """Validate ``node_labels``; returns them as a dict of strings (or None).

    :raises InvalidParameterValue:
    """
    if labels is None:
        return None
    if not isinstance(labels, dict):
        raise invalid('node_labels', 'must be an object of label names to values.')
    result = {}
    for key, value in labels.items():
        check_key(key, 'node_labels')
        if isinstance(value, (dict, list)) or value is None:
            raise invalid('node_labels', 'the value of %r must be a string.' % key)
        value = str(value).lower() if isinstance(value, bool) else str(value)
        if value and not _NAME.match(value):
            raise invalid('node_labels', 'the value %r of %r is not a valid label value.'
                          % (value, key))
        prefix = key.rpartition('/')[0]
        reserved = _in_namespace(prefix, 'kubernetes.io') or _in_namespace(prefix, 'k8s.io')
        allowed = (key in WELL_KNOWN
                   or any(_in_namespace(prefix, p) for p in ALLOWED_PREFIXES))
        if reserved and not allowed:
            raise invalid('node_labels', '%r is in a namespace reserved for Kubernetes '
                                         '(kubernetes.io, k8s.io); only the kubelet.kubernetes.io'
                                         ' and node.kubernetes.io prefixes and the well-known '
                                         'labels are allowed.' % key)
        result[key] = value
    return result


def check_node_taints(taints: Any) -> list | None:
    """Validate ``node_taints``: a list of ``{key, value?, effect}``.

    :raises InvalidParameterValue:
    """
    if taints is None:
        return None
    if not isinstance(taints, list):
        raise invalid('node_taints', 'must be a list of {key, value, effect} objects.')
    result = []
    for taint in taints:
        if not isinstance(taint, dict):
            raise invalid('node_taints', 'each taint must be an object (got %r).' % (taint,))
        extra = sorted(set(taint) - set(TAINT_KEYS))
        if extra:
            raise invalid('node_taints', 'unknown taint attribute(s) %s; allowed: key, value, '
                                         'effect.' % ', '.join(extra))
        check_key(taint.get('key'), 'node_taints')
        value = taint.get('value')
        if value is not None and (not isinstance(value, str)
                                  or (value and not _NAME.match(value))):
            raise invalid('node_taints', 'the value %r of taint %r is not valid.'
                          % (value, taint['key']))
        if taint.get('effect') not in TAINT_EFFECTS:
            raise invalid('node_taints', 'effect of taint %r must be one of %s (got %r).'
                          % (taint['key'], ', '.join(TAINT_EFFECTS), taint.get('effect')))
        result.append({k: taint[k] for k in TAINT_KEYS if taint.get(k) is not None})
    return result
