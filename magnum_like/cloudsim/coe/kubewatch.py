"""Watches on the simulated Kubernetes API: ``GET <collection>?watch=true``.

What ``kubectl get -w`` and the official clients' ``Watch().stream`` read: a
stream of ``{"type": "ADDED"|"MODIFIED"|"DELETED", "object": ...}`` lines, one
per change, in ``Table`` form when the client asks for tables (kubectl does).

The stream follows the collection's own list answer (the same path, with its
label and field selectors) every :data:`POLL_SECONDS`: an object that appears
is ADDED, one whose document changed (a new resourceVersion, a pod scheduled, a
node NotReady) is MODIFIED, one that went is DELETED. Without a
``resourceVersion`` every object is ADDED first; with one (a list's), only
objects changed since it are. It ends after ``timeoutSeconds`` (default
:data:`DEFAULT_TIMEOUT`, at most :data:`MAX_TIMEOUT`) or when the cluster's API
stops. Each watch holds one of the server's threads, so one cluster serves at
most :data:`MAX_WATCHES` at once: a new one ends the oldest (as an API server
ends watches; clients watch again). A client that goes away is noticed at the
next change written to it, or when a newer watch ends its.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable, Iterator, Optional

import webob

from magnum_like.cloudsim.coe import kubetables
from magnum_like.cloudsim.coe.kubeobjects import KubeError

#: Watches one cluster's API serves at once.
MAX_WATCHES = 4
#: Seconds between two looks at the collection.
POLL_SECONDS = 0.5
#: A watch's length when the client gives no ``timeoutSeconds``, and the longest.
DEFAULT_TIMEOUT = 1800
MAX_TIMEOUT = 3600


def wanted(req: webob.Request) -> bool:
    """Whether the request asks for a watch."""
    return req.method == "GET" and req.GET.get("watch", "").lower() in ("true", "1")


def _timeout(req: webob.Request) -> int:
    text = req.GET.get("timeoutSeconds")
    if text in (None, ""):
        return DEFAULT_TIMEOUT
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_TIMEOUT:
        raise KubeError(400, "BadRequest", "timeoutSeconds must be an integer from 0 to %d"
                        % MAX_TIMEOUT)
    return value


def _since(req: webob.Request) -> Optional[int]:
    text = req.GET.get("resourceVersion")
    if text in (None, "", "0"):
        return None
    try:
        return int(text)
    except ValueError:
        raise KubeError(400, "BadRequest", "resourceVersion must be a number") from None


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata", {})
    return meta.get("namespace", ""), meta.get("name", "")


#: Timestamps a rendering may take from the clock (a node's heartbeat, an add-on
#: container's start): not a change of the object.
_CLOCK_FIELDS = frozenset(("lastHeartbeatTime", "lastTransitionTime", "startedAt",
                           "startTime", "creationTimestamp", "lastProbeTime"))


def _fingerprint(value: Any) -> Any:
    """``value`` without the clock's timestamps, to compare two renderings."""
    if isinstance(value, dict):
        return {k: _fingerprint(v) for k, v in value.items() if k not in _CLOCK_FIELDS}
    if isinstance(value, list):
        return [_fingerprint(v) for v in value]
    return value


def _text(obj: dict[str, Any]) -> str:
    return json.dumps(_fingerprint(obj), sort_keys=True)


def _version(obj: dict[str, Any]) -> int:
    try:
        return int(obj.get("metadata", {}).get("resourceVersion") or 0)
    except ValueError:
        return 0


class Watches:
    """One cluster API's watches: each one's stop, oldest first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: list[threading.Event] = []
        self._stopped = False

    @property
    def active(self) -> int:
        """How many watches are being served."""
        with self._lock:
            return len(self._active)

    def stop_all(self) -> None:
        """End every watch at its next look, and any later one at once (the API stops)."""
        with self._lock:
            self._stopped = True
            for stop in self._active:
                stop.set()

    def response(self, req: webob.Request,
                 listing: Callable[[], dict[str, Any]]) -> webob.Response:
        """The streaming answer to a watch of the collection ``listing`` lists.

        :param listing: returns the collection's list body (``<Kind>List``) now.
        """
        timeout, since = _timeout(req), _since(req)
        first = listing()  # errors (404, 400 selectors) answer before the stream starts
        stop = threading.Event()
        with self._lock:
            while len(self._active) >= MAX_WATCHES:
                self._active.pop(0).set()
            self._active.append(stop)
            if self._stopped:
                stop.set()
        table = kubetables.wants_table(req.headers.get("Accept", ""))
        resp = webob.Response(content_type="application/json", charset="UTF-8")
        resp.app_iter = _Stream(self._stream(first, listing, since, timeout, table, stop),
                                lambda: self._release(stop))
        return resp

    def _release(self, stop: threading.Event) -> None:
        with self._lock:
            if stop in self._active:
                self._active.remove(stop)

    def _stream(self, first: dict[str, Any], listing: Callable[[], dict[str, Any]],
                since: Optional[int], timeout: int, table: bool,
                stop: threading.Event) -> Iterator[bytes]:
        kind = first.get("kind", "")[:-4]
        deadline = time.monotonic() + timeout

        def event(kind_: str, obj: dict[str, Any]) -> bytes:
            obj = dict(obj, kind=obj.get("kind") or kind,
                       apiVersion=obj.get("apiVersion") or first.get("apiVersion", "v1"))
            shown = kubetables.table(obj) if table else obj
            return json.dumps({"type": kind_, "object": shown}).encode() + b"\n"

        last: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        added = []
        for obj in first.get("items", []):
            last[_key(obj)] = (_text(obj), obj)
            if since is None or _version(obj) > since:
                added.append(event("ADDED", obj))
        # The WSGI server sends the headers with the first bytes: a client waits for
        # them before it reads (client-go cannot stop a watch still waiting). JSON
        # readers skip the blank.
        yield b"".join(added) or b" "
        while time.monotonic() < deadline and not stop.wait(
                min(POLL_SECONDS, max(deadline - time.monotonic(), 0))):
            try:
                items = listing().get("items", [])
            except KubeError:
                return  # the namespace (or definition) went: the watch ends
            now = {}
            for obj in items:
                key, text = _key(obj), _text(obj)
                now[key] = (text, obj)
                if key not in last:
                    yield event("ADDED", obj)
                elif last[key][0] != text:
                    yield event("MODIFIED", obj)
            for key in last.keys() - now.keys():
                yield event("DELETED", last[key][1])
            last = now


class _Stream:
    """A watch's body: the event lines, and the slot given back once on ``close``
    (which the WSGI server calls, whether or not the stream was read)."""

    def __init__(self, events: Iterator[bytes], release: Callable[[], None]) -> None:
        self._events, self._release = events, release
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        return self._events

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._events.close()  # type: ignore[attr-defined]
            self._release()
