"""``labelSelector`` and ``fieldSelector`` of list requests (``kubectl get -l``,
``kubectl delete`` waiting for ``metadata.name=...`` to go).

Label selectors take the API server's grammar: ``k=v``, ``k==v``, ``k!=v``,
``k``, ``!k``, ``k in (a,b)``, ``k notin (a,b)``, comma-separated.  Field
selectors take ``=``, ``==`` and ``!=`` on the fields the real server indexes for
the kind; any other field is a 400 naming it.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from magnum_like.cloudsim.coe.kubeobjects import KubeError

_Test = Callable[[dict[str, Any]], bool]

_REQUIREMENT = re.compile(
    r"\s*(?P<neg>!)?\s*(?P<key>[A-Za-z0-9][-A-Za-z0-9_./]*)"
    r"(?:\s*(?P<op>==|!=|=)\s*(?P<value>[-A-Za-z0-9_.]*)"
    r"|\s+(?P<setop>in|notin)\s*\((?P<values>[^()]*)\))?\s*(?:,|$)")
_FIELD = re.compile(r"^\s*(?P<field>[A-Za-z.]+)\s*(?P<op>==|!=|=)\s*(?P<value>[^,]*?)\s*$")

#: Fields a field selector may name, per kind (every kind has the metadata ones).
_FIELDS = {
    "Pod": ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
            "spec.serviceAccountName", "status.phase", "status.podIP", "status.nominatedNodeName"),
    "ReplicationController": ("status.replicas",),
    "Secret": ("type",),
    "Namespace": ("status.phase",),
    "Node": ("spec.unschedulable",),
}


def _equals(key: str, value: str, equal: bool) -> _Test:
    return lambda found: (found.get(key) == value) == equal


def _among(key: str, values: set[str], inside: bool) -> _Test:
    return lambda found: (found.get(key) in values) == inside


def _has(key: str, present: bool) -> _Test:
    return lambda found: (key in found) == present


def _field(path: str, value: str, equal: bool) -> _Test:
    return lambda obj: (_value(obj, path) == value) == equal


def _bad(what: str, text: str) -> KubeError:
    return KubeError(400, "BadRequest", "unable to parse %s: %r" % (what, text[:200]))


def labels(text: str) -> list[_Test]:
    """Tests of a ``labelSelector``; 400 if it does not parse."""
    tests: list[_Test] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        match = _REQUIREMENT.match(text, pos)
        if match is None or match.end() == pos:
            raise _bad("labelSelector requirement", text[pos:])
        pos = match.end()
        key, neg = match["key"], bool(match["neg"])
        if neg and (match["op"] or match["setop"]):
            raise _bad("labelSelector requirement", match.group(0))
        if match["op"]:
            tests.append(_equals(key, match["value"], match["op"] != "!="))
        elif match["setop"]:
            values = {v.strip() for v in match["values"].split(",") if v.strip()}
            tests.append(_among(key, values, match["setop"] == "in"))
        else:
            tests.append(_has(key, not neg))
    return tests


def _value(obj: dict[str, Any], path: str) -> str:
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def fields(text: str, kind: str) -> list[_Test]:
    """Tests of a ``fieldSelector`` for objects of ``kind``; 400 for a field the
    server does not select on."""
    tests: list[_Test] = []
    for part in (p for p in text.split(",") if p.strip()):
        match = _FIELD.match(part)
        if match is None:
            raise _bad("fieldSelector requirement", part)
        field = match["field"]
        if field not in ("metadata.name", "metadata.namespace") + _FIELDS.get(kind, ()):
            raise KubeError(400, "BadRequest", 'field label not supported: %s' % field)
        tests.append(_field(field, match["value"], match["op"] != "!="))
    return tests


def select(items: list[dict[str, Any]], query: Any, kind: str) -> list[dict[str, Any]]:
    """The ``items`` the request's ``labelSelector`` and ``fieldSelector`` pick."""
    label_tests = labels(query.get("labelSelector", ""))
    field_tests = fields(query.get("fieldSelector", ""), kind)
    if not label_tests and not field_tests:
        return items
    return [item for item in items
            if all(t(item.get("metadata", {}).get("labels") or {}) for t in label_tests)
            and all(t(item) for t in field_tests)]
