"""Restart persistence (SQLite) and Heat notifications over the real RabbitMQ."""

from __future__ import annotations

import threading

from barbicanclient import client as barbican_client
from heatclient import client as heat_client
from keystoneauth1 import session, token_endpoint

from magnum_like.cloudsim import Simulator
from magnum_like.cloudsim.samples import cluster_stack_fields

from .conftest import PROJECT


def _clients(sim: Simulator):  # type: ignore[no-untyped-def]
    sess = session.Session(auth=token_endpoint.Token(sim.url, "t"))
    return (heat_client.Client("1", session=sess, endpoint=sim.heat_endpoint(PROJECT)),
            barbican_client.Client(session=sess, endpoint=sim.endpoints["key-manager"]))


def test_restart_keeps_state_and_resumes_in_flight_stack(tmp_path) -> None:  # type: ignore[no-untyped-def]
    state = str(tmp_path / "sim.sqlite")
    sim = Simulator(state_file=state).start()
    heat, barbican = _clients(sim)
    heat.stacks.create(stack_name="done", **cluster_stack_fields(1, 1))
    assert sim.wait_stack("done") == "CREATE_COMPLETE"
    ref = barbican.secrets.create(name="ca", payload="pem",
                                  payload_content_type="text/plain").store()
    sim.engine.delays["OS::Nova::Server"] = 0.5
    heat.stacks.create(stack_name="inflight", **cluster_stack_fields(1, 2))
    assert sim.wait_stack("inflight", timeout=0.2) == "CREATE_IN_PROGRESS"
    sim.stop()

    sim2 = Simulator(state_file=state, delays={"OS::Nova::Server": 0.05}).start()
    try:
        heat, barbican = _clients(sim2)
        assert heat.stacks.get("done").stack_status == "CREATE_COMPLETE"
        assert sim2.wait_stack("inflight", timeout=10) == "CREATE_COMPLETE"
        outputs = {o["output_key"]: o["output_value"]
                   for o in heat.stacks.get("inflight").outputs}
        assert len(outputs["kube_minions_private"]) == 2
        assert barbican.secrets.get(ref).payload == "pem"
        assert sim2.state()["counts"]["servers"] == 5
        heat.stacks.delete("done")
        assert sim2.wait_stack("done") == "NOT_FOUND"
    finally:
        sim2.stop()
    sim3 = Simulator(state_file=state).start()
    try:
        assert sim3.find_stack("done") is None and sim3.find_stack("inflight") is not None
    finally:
        sim3.stop()


def test_notifications_over_rabbitmq(rabbit_vhost) -> None:
    """The simulator's defaults are Heat's (exchange ``heat``, topic ``notifications``)."""
    import oslo_messaging
    from oslo_config import cfg

    url = rabbit_vhost.url
    received: list[tuple[str, dict]] = []
    done = threading.Event()

    class Endpoint:
        def info(self, ctxt, publisher_id, event_type, payload, metadata):  # type: ignore[no-untyped-def]
            received.append((event_type, payload, publisher_id))
            if event_type == "orchestration.stack.delete.end":
                done.set()

        def error(self, ctxt, publisher_id, event_type, payload, metadata):  # type: ignore[no-untyped-def]
            received.append((event_type, payload, publisher_id))

    conf = cfg.ConfigOpts()
    conf([], project="cloudsim-test")
    transport = oslo_messaging.get_notification_transport(conf, url=url)
    listener = oslo_messaging.get_notification_listener(
        transport, [oslo_messaging.Target(topic="notifications", exchange="heat")], [Endpoint()],
        executor="threading", pool="cloudsim-test")
    listener.start()
    sim = Simulator(notify_url=url).start()
    try:
        heat, _ = _clients(sim)
        heat.stacks.create(stack_name="notif", tags="cluster-x",
                           **cluster_stack_fields(1, 1))
        assert sim.wait_stack("notif") == "CREATE_COMPLETE"
        heat.stacks.delete("notif")
        assert sim.wait_stack("notif") == "NOT_FOUND"
        assert done.wait(15), received
    finally:
        sim.stop()
        listener.stop()
        listener.wait()
        transport.cleanup()
    types = [t for t, _, _ in received]
    assert types == ["orchestration.stack.create.start", "orchestration.stack.create.end",
                     "orchestration.stack.delete.start", "orchestration.stack.delete.end"]
    payload = received[1][1]
    assert payload["stack_name"] == "notif" and payload["state"] == "CREATE_COMPLETE"
    assert payload["tenant_id"] == PROJECT and payload["tags"] == ["cluster-x"]
    assert payload["stack_identity"] and "state_reason" in payload
    assert received[0][2].startswith("orchestration.")


def test_notifications_in_memory_log(sim: Simulator, heat) -> None:  # type: ignore[no-untyped-def]
    sim.faults.add_resource_failure("OS::Heat::None", reason="nope")
    heat.stacks.create(stack_name="e1", template="heat_template_version: queens\n"
                       "resources:\n  x: {type: OS::Heat::None}\n")
    assert sim.wait_stack("e1") == "CREATE_FAILED"
    types = [n["event_type"] for n in sim.notifier.log]
    assert types == ["orchestration.stack.create.start", "orchestration.stack.create.error"]
    assert sim.notifier.log[-1]["priority"] == "ERROR"
