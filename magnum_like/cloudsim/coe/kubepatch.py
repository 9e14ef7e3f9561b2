"""Changing a stored object of the simulated Kubernetes API: ``PUT`` and ``PATCH``.

``PATCH`` takes the three patch types kubectl and the official clients send,
named by the request's ``Content-Type``:

* ``application/json-patch+json``: RFC 6902 operations (the ``jsonpatch``
  library applies them);
* ``application/merge-patch+json``: RFC 7386 (kubectl's for custom resources);
* ``application/strategic-merge-patch+json`` (kubectl ``apply``, ``label``,
  ``annotate``, ``edit``, ``scale`` for built-in kinds): a merge patch in which
  a list of objects that all carry a ``name`` (containers, env, ports, volumes)
  is merged element by element by that name, ``$patch: delete`` removes an
  element or key, ``$patch: replace`` replaces a map or list, and
  ``$deleteFromPrimitiveList/<field>`` removes values from a list of strings.
  ``$setElementOrder/<field>`` and ``$retainKeys`` are read and dropped.

Server-side apply (``application/apply-patch+yaml``) answers 415, as an API
server without that feature does. Either verb checks
``metadata.resourceVersion`` when the body gives one (409 ``Conflict`` if the
object changed since) and keeps what a client cannot change (uid, creation
time, namespace, name). ``?dryRun=All`` answers the result without storing it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonpatch
import webob

from magnum_like.cloudsim.coe.kubeobjects import KubeError, invalid, read_body

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH)

#: Verbs the discovery documents list for an object that can be changed.
CHANGE_VERBS = ["patch", "update"]


def dry_run(req: webob.Request) -> bool:
    """Whether the request asks only for the result (``?dryRun=All``)."""
    return "All" in req.GET.getall("dryRun")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: ``patch`` applied to ``target`` (neither is changed)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _named_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(item, dict) and "name" in item for item in value)


def _strategic_list(current: Any, patch: list[Any]) -> list[Any]:
    """A list of the patch merged into ``current``: by ``name`` for named objects."""
    if not (_named_list(current) and all(isinstance(item, dict) for item in patch)):
        return [strategic_patch(None, item) if isinstance(item, dict) else item
                for item in patch if not (isinstance(item, dict) and
                                          item.get("$patch") == "delete")]
    merged = [copy.deepcopy(item) for item in current]
    for item in patch:
        if item.get("$patch") == "replace":
            return [strategic_patch(None, i) for i in patch if i.get("$patch") != "replace"]
        index = next((i for i, old in enumerate(merged) if old.get("name") == item.get("name")),
                     None)
        if item.get("$patch") == "delete":
            if index is not None:
                del merged[index]
        elif index is None:
            merged.append(strategic_patch(None, item))
        else:
            merged[index] = strategic_patch(merged[index], item)
    return merged


def strategic_patch(target: Any, patch: Any) -> Any:
    """A strategic merge patch applied to ``target`` (see the module docstring)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return strategic_patch(None, {k: v for k, v in patch.items() if k != "$patch"})
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys") or key.startswith("$setElementOrder/"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list) and isinstance(value, list):
                result[field] = [item for item in result[field] if item not in value]
            continue
        if value is None or (isinstance(value, dict) and value.get("$patch") == "delete"):
            result.pop(key, None)
        elif isinstance(value, list):
            result[key] = _strategic_list(result.get(key), value)
        else:
            result[key] = strategic_patch(result.get(key), value)
    return result


def patched(req: webob.Request, current: dict[str, Any], kind: str) -> dict[str, Any]:
    """The object ``current`` with the request's patch applied (not yet checked)."""
    content_type = (req.content_type or "").split(";")[0].strip().lower()
    if content_type not in PATCH_TYPES:
        raise KubeError(415, "UnsupportedMediaType", "the body of the request was in an "
                        "unknown format - accepted media types include: %s"
                        % ", ".join(PATCH_TYPES))
    patch = read_body(req)
    name = current["metadata"]["name"]
    if content_type == JSON_PATCH:
        if not isinstance(patch, list):
            raise KubeError(400, "BadRequest", "a JSON patch is a list of operations")
        try:
            result = jsonpatch.apply_patch(current, patch)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as error:
            raise invalid(kind, name, "patch", str(error)[:200]) from None
    else:
        if not isinstance(patch, dict):
            raise KubeError(400, "BadRequest", "a merge patch must be a JSON object")
        merge = merge_patch if content_type == MERGE_PATCH else strategic_patch
        result = merge(current, patch)
    if not isinstance(result, dict):
        raise KubeError(400, "BadRequest", "the patch does not leave an object")
    return result


def replacement(req: webob.Request, current: dict[str, Any], kind: str) -> dict[str, Any]:
    """The new object a ``PUT`` or ``PATCH`` asks for, its identity checked.

    :raises KubeError: 400 for a name that is not the URL's, 409 for a stale
        ``resourceVersion``, 415 for an unknown patch type, 422 for a bad patch.
    """
    if req.method == "PUT":
        body = read_body(req)
        if not isinstance(body, dict):
            raise KubeError(400, "BadRequest", "the body must be a JSON object")
    else:
        body = patched(req, copy.deepcopy(current), kind)
    meta = body.get("metadata")
    if not isinstance(meta, dict):
        raise invalid(kind, current["metadata"]["name"], "metadata", "Required value")
    name = current["metadata"]["name"]
    if meta.get("name", name) != name:
        raise KubeError(400, "BadRequest", "the name of the object (%s) does not match the "
                        "name on the URL (%s)" % (str(meta.get("name"))[:64], name))
    version = meta.get("resourceVersion")
    if version not in (None, "") and version != current["metadata"]["resourceVersion"]:
        raise KubeError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": the '
                        "object has been modified; please apply your changes to the latest "
                        "version and try again" % (kind.lower(), name),
                        {"name": name, "kind": kind.lower()})
    if body.get("kind") not in (None, "", kind):
        raise KubeError(400, "BadRequest", "the body's kind %r is not %s"
                        % (str(body["kind"])[:64], kind))
    return body


def same(a: Any, b: Any) -> bool:
    """Whether two JSON values are equal (as the API server compares specs)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _fixed_pod_spec(name: str) -> KubeError:
    return invalid("Pod", name, "spec", "Forbidden: pod updates may not change fields other "
                   "than `spec.containers[*].image`, `spec.initContainers[*].image` (the "
                   "simulated API server)")


def pod_spec_change(name: str, current: dict[str, Any], spec: Any) -> dict[str, Any]:
    """A pod's new spec: ``current`` with the containers' images of ``spec``.

    :raises KubeError: 422 if ``spec`` changes anything else (the API server
        fixes the rest of a pod's spec once the pod is made).
    """
    if not isinstance(spec, dict):
        raise invalid("Pod", name, "spec", "Required value")
    images = {}
    for field in ("containers", "initContainers"):
        old, new = current.get(field) or [], spec.get(field) or []
        if not isinstance(new, list) or len(new) != len(old) or not all(
                isinstance(c, dict) and isinstance(c.get("image"), str) and c["image"]
                for c in new):
            raise _fixed_pod_spec(name)
        images[field] = [c["image"] for c in new]
    unchanged = dict(spec, **{field: [dict(c, image=o["image"]) for c, o in zip(
        spec[field], current.get(field) or [])] for field in images
        if spec.get(field) is not None})
    if not same(unchanged, current):
        raise _fixed_pod_spec(name)
    return dict(current, **{field: [dict(c, image=image) for c, image in zip(
        current[field], images[field])] for field in images if current.get(field)})


def scale_document(obj: dict[str, Any], selector: dict[str, str]) -> dict[str, Any]:
    """A controller's (rendered, with its status) ``scale`` subresource: an
    ``autoscaling/v1`` ``Scale`` of its replicas and label selector."""
    meta = obj["metadata"]
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {key: meta[key] for key in ("name", "namespace", "uid",
                                                    "resourceVersion", "creationTimestamp")},
            "spec": {"replicas": obj["spec"]["replicas"]},
            "status": {"replicas": obj["status"]["replicas"],
                       "selector": ",".join("%s=%s" % item for item in sorted(selector.items()))}}


def wanted_replicas(req: webob.Request, scale: dict[str, Any]) -> Any:
    """The ``spec.replicas`` a ``PUT``/``PATCH`` of ``scale`` asks for (checked by the caller)."""
    wanted = replacement(req, scale, "Scale").get("spec")
    return wanted.get("replicas", 0) if isinstance(wanted, dict) else None
