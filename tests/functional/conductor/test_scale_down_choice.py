"""A scale-down that names no nodes asks the driver which to remove, from the
running cluster's state (what the Mesos driver does with its master's agents)."""
from __future__ import annotations

import http.server
import json
import threading

import pytest

from magnum_like.conductor import states
from magnum_like.drivers.heat import mapping
from tests.fixtures import conductor_driver


@pytest.fixture
def state_server():
    """Serves ``/state``: the document the driver reads, set by the test."""
    document: dict = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = json.dumps(document).encode()
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, document
    server.shutdown()


def test_scale_down_removes_the_node_the_driver_chooses(conductor_env, state_server,
                                                        monkeypatch):
    server, document = state_server
    url = 'http://127.0.0.1:%d/state' % server.server_address[1]
    driver = conductor_driver.SimpleHeatDriver

    def choose(self, view, nodegroup, node_count, nodes):
        addresses = mapping.as_list(view, (view.extra.get('stack_outputs') or {})
                                    .get('kube_minions_private'))
        idle = [n['address'] for n in nodes if not n['busy'] and n['address'] in addresses]
        chosen = idle[:len(addresses) - node_count]
        return chosen, 'Removing idle nodes %s' % ', '.join(chosen)

    monkeypatch.setattr(driver, 'running_state_url', lambda self, view: url, raising=False)
    monkeypatch.setattr(driver, 'nodes_from_state', lambda self, state: state['nodes'],
                        raising=False)
    monkeypatch.setattr(driver, 'choose_nodes_to_remove', choose, raising=False)

    env = conductor_env
    env.start_conductor()
    uuid = env.create_intent(node_count=3)
    cluster = env.wait_status(uuid, states.CREATE_COMPLETE)
    addresses = list(cluster.node_addresses)
    assert len(addresses) == 3
    # Only the first node is idle: it is the one to go, not the newest.
    document['nodes'] = [{'address': a, 'busy': i != 0} for i, a in enumerate(addresses)]
    worker = env.nodegroups(uuid)['default-worker']
    env.intent(uuid, 'resize', {'nodegroup': worker.uuid, 'node_count': 2, 'old_node_count': 3,
                                'nodes_to_remove': []},
               ng_status={worker.uuid: {'node_count': 2}})
    cluster = env.wait_status(uuid, states.UPDATE_COMPLETE)
    assert sorted(cluster.node_addresses) == sorted(addresses[1:])


def test_unreadable_state_leaves_the_choice_to_heat(conductor_env, monkeypatch):
    driver = conductor_driver.SimpleHeatDriver
    # Nothing listens there: the conductor gives up quickly and Heat removes the newest.
    monkeypatch.setattr(driver, 'running_state_url',
                        lambda self, view: 'http://127.0.0.1:9/state', raising=False)
    env = conductor_env
    env.start_conductor()
    uuid = env.create_intent(node_count=3)
    cluster = env.wait_status(uuid, states.CREATE_COMPLETE)
    addresses = list(cluster.node_addresses)
    worker = env.nodegroups(uuid)['default-worker']
    env.intent(uuid, 'resize', {'nodegroup': worker.uuid, 'node_count': 2, 'old_node_count': 3,
                                'nodes_to_remove': []},
               ng_status={worker.uuid: {'node_count': 2}})
    cluster = env.wait_status(uuid, states.UPDATE_COMPLETE)
    assert len(cluster.node_addresses) == 2
    assert set(cluster.node_addresses) <= set(addresses)
