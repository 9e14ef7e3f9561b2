"""Slow and short request bodies cannot tie up ``magnum-like-api``'s threads.

The API runs as a real ``magnum-like-api`` process with ``[api] client_timeout``
small. Twenty bad clients connect over raw sockets: bodies shorter than their
``Content-Length``, bogus ``Transfer-Encoding: chunked`` bodies that never end,
and bodies trickled a byte at a time. While they are all still connected a
normal ``GET /v1/clustertemplates`` is answered, and every bad client is
answered 400/408 or has its connection closed within a bound that follows from
the configuration (threads, client_timeout), not from cheroot's defaults.
"""
from __future__ import annotations

import math
import os
import socket
import sys
import threading
import time

import pytest
import requests

from tests.fixtures import processes

BIN = os.path.dirname(sys.executable)
CLIENT_TIMEOUT = 3
THREADS = 16
SHORT, CHUNKED, TRICKLE = 8, 8, 4
#: Slack for process scheduling on a loaded machine, on top of the configured bound.
SLACK = 10


@pytest.fixture(scope='module')
def api(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('slow')
    port = processes.free_port()
    config = tmp / 'magnum_like.conf'
    config.write_text('\n'.join([
        '[DEFAULT]', 'state_path = %s' % tmp, 'log_file = %s' % (tmp / 'api.log'),
        '[api]', 'host = 127.0.0.1', 'port = %d' % port, 'auth_strategy = noauth',
        'threads = %d' % THREADS, 'client_timeout = %d' % CLIENT_TIMEOUT,
        '[database]', 'connection = sqlite:///%s' % (tmp / 'api.sqlite'),
        '[cluster_template]', 'validate_cloud_resources = false',
    ]) + '\n')
    url = 'http://127.0.0.1:%d' % port
    processes.db_upgrade(config)
    proc = processes.start_api(config, url)
    yield url, port
    processes.stop(proc)


HEAD = ('POST /v1/clustertemplates HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
        'X-Project-Id: p\r\nX-User-Id: u\r\nX-Roles: admin\r\n')


def _bad_client(port: int, kind: str) -> socket.socket:
    sock = socket.create_connection(('127.0.0.1', port))
    if kind == 'short':
        sock.sendall((HEAD + 'Content-Length: 100\r\n\r\n{"coe": "kub').encode())
    elif kind == 'chunked':
        sock.sendall((HEAD + 'Transfer-Encoding: chunked\r\n\r\n40\r\n{"coe"').encode())
    else:
        sock.sendall((HEAD + 'Content-Length: 1000\r\n\r\n{').encode())
    return sock


def _answer(sock: socket.socket, deadline: float) -> bytes:
    """The status line the server sent, or b'' when it closed; raises on the deadline."""
    data = b''
    while b'\r\n' not in data:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(4096)
        except ConnectionResetError:
            return b''
        if not chunk:
            return data
        data += chunk
    return data.split(b'\r\n', 1)[0]


def test_bad_bodies_do_not_hold_the_server(api):
    url, port = api
    started = time.monotonic()
    bad = ([_bad_client(port, 'short') for _ in range(SHORT)]
           + [_bad_client(port, 'chunked') for _ in range(CHUNKED)])
    tricklers = [_bad_client(port, 'trickle') for _ in range(TRICKLE)]
    stop = threading.Event()

    def trickle():   # one byte per socket twice a second: each read "succeeds"
        while not stop.wait(0.5):
            for sock in tricklers:
                try:
                    sock.send(b' ')
                except OSError:
                    pass

    pacer = threading.Thread(target=trickle, daemon=True)
    pacer.start()
    try:
        # A normal request while all twenty are connected and unanswered or being held.
        resp = requests.get(url + '/v1/clustertemplates', timeout=120,
                            headers={'X-Project-Id': 'p', 'X-User-Id': 'u', 'X-Roles': 'admin'})
        assert resp.status_code == 200, resp.text
        print('normal GET answered after %.2f s' % (time.monotonic() - started))
        # Every bad client is answered within what the configuration allows: each holds
        # a thread for at most client_timeout, THREADS at a time.
        rounds = math.ceil((len(bad) + len(tricklers) + 1) / THREADS) + 1
        deadline = started + rounds * CLIENT_TIMEOUT + SLACK
        for sock in bad + tricklers:
            status = _answer(sock, deadline)
            assert status == b'' or status.split()[1] in (b'400', b'408'), status
    finally:
        stop.set()
        for sock in bad + tricklers:
            sock.close()
    # The server is still healthy afterwards.
    assert requests.get(url + '/', timeout=30).status_code == 200


@pytest.mark.parametrize('raw, status', [
    (HEAD + 'Content-Length: 10\r\n\r\n{}', b'408'),
    (HEAD + 'Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', b'400'),
    (HEAD + 'Content-Length: 5000000\r\n\r\n{}', b'413'),
], ids=['short-body', 'bad-chunk-size', 'too-large'])
def test_each_bad_body_gets_its_status_and_a_closed_connection(api, raw, status):
    url, port = api
    with socket.create_connection(('127.0.0.1', port)) as sock:
        sock.sendall(raw.encode())
        deadline = time.monotonic() + CLIENT_TIMEOUT + SLACK
        answer = b''
        while True:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = sock.recv(65536)
            if not chunk:
                break      # closed by the server after its answer
            answer += chunk
        assert answer.split(b'\r\n', 1)[0].split()[1] == status, answer[:300]
        assert b'"errors"' in answer, answer[:300]   # the OpenStack error body
