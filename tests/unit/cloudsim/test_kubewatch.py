"""Watches on the simulated Kubernetes API (``coe/kubewatch.py``), through the
WSGI app: events from the collection's own list, ``resourceVersion``, tables,
bounds (timeout, the oldest watch ended by a newer one past the limit), stop."""
from __future__ import annotations

import json
import threading
import time

import pytest
import webob

from magnum_like.cloudsim.coe import kubewatch
from tests.unit.cloudsim.test_kubepatch import NS, Cluster


@pytest.fixture
def api() -> Cluster:
    return Cluster()


def _watch(api: Cluster, query: str, accept: str = "application/json"):
    req = webob.Request.blank(NS + "/configmaps?" + query, headers={"Accept": accept})
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"] = status
    body = api.app(req.environ, start_response)
    return started["status"], body


def _events(body, count: int) -> list[dict]:
    """The first ``count`` events (a chunk may hold several lines, or a blank)."""
    found: list[dict] = []
    for chunk in body:
        found += [json.loads(line) for line in chunk.splitlines() if line.strip()]
        if len(found) >= count:
            return found[:count]
    raise AssertionError('the watch ended after %d events' % len(found))


def test_events_follow_the_list(api: Cluster) -> None:
    api("POST", NS + "/configmaps", {"metadata": {"name": "a", "labels": {"k": "v"}}})
    status, body = _watch(api, "watch=true&labelSelector=k%3Dv&timeoutSeconds=5")
    assert status.startswith("200")
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in _events(body, 1)] == [
        ("ADDED", "a")]
    api("POST", NS + "/configmaps", {"metadata": {"name": "other"}})  # not selected
    api("POST", NS + "/configmaps", {"metadata": {"name": "b", "labels": {"k": "v"}}})
    api.patch(NS + "/configmaps/a", {"data": {"x": "1"}})
    api("DELETE", NS + "/configmaps/b")
    seen = []
    for chunk in body:
        event = json.loads(chunk)
        seen.append((event["type"], event["object"]["metadata"]["name"]))
        if event["type"] == "MODIFIED":
            break
    body.close()
    assert seen[-1] == ("MODIFIED", "a") and "other" not in {name for _, name in seen}
    assert api.app.watches.active == 0


def test_resource_version_and_tables(api: Cluster) -> None:
    api("POST", NS + "/configmaps", {"metadata": {"name": "old"}})
    listed = api("GET", NS + "/configmaps")[1]["metadata"]["resourceVersion"]
    api("POST", NS + "/configmaps", {"metadata": {"name": "new"}})
    status, body = _watch(api, "watch=1&resourceVersion=%s&timeoutSeconds=1" % listed,
                          "application/json;as=Table;v=1;g=meta.k8s.io")
    events = [json.loads(line) for line in b"".join(body).splitlines() if line.strip()]
    body.close()
    assert [e["object"]["kind"] for e in events] == ["Table"]
    assert events[0]["object"]["rows"][0]["cells"][0] == "new"


def test_bounds(api: Cluster) -> None:
    assert _watch(api, "watch=true&timeoutSeconds=99999")[0].startswith("400")
    req = webob.Request.blank(NS + "/configmaps/x?watch=true")
    assert req.get_response(api.app).status_int in (404, 405)
    bodies = [_watch(api, "watch=true")[1] for _ in range(kubewatch.MAX_WATCHES + 1)]
    assert api.app.watches.active == kubewatch.MAX_WATCHES
    oldest = bodies[0]
    started = time.monotonic()
    assert b"".join(oldest) == b" "    # ended by the newest within a look: no event
    assert time.monotonic() - started < 2
    for body in bodies:
        body.close()
    assert api.app.watches.active == 0


def test_stop_all_ends_watches(api: Cluster) -> None:
    api("POST", NS + "/configmaps", {"metadata": {"name": "a"}})
    _, body = _watch(api, "watch=true")
    assert len(_events(body, 1)) == 1
    threading.Timer(0.3, api.app.watches.stop_all).start()
    assert list(body) == []
    body.close()
    assert _watch(api, "watch=true")[1] is not None
    assert api.app.watches.active <= 1
