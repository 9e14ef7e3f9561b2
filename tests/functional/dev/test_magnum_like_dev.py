"""``magnum-like-dev`` end to end: starts, serves the real OSC client, stops, keeps state."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.fixtures.cli import openstack_env

BIN = os.path.dirname(sys.executable)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _start(state_dir: str, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [os.path.join(BIN, 'magnum-like-dev'), '--state-dir', state_dir, '--port', str(port),
         '--sim-port', '0'],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if 'Press Ctrl-C to stop.' in line:
            return proc
    proc.kill()
    pytest.fail('magnum-like-dev did not start:\n' + ''.join(seen[-40:]))


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out[-3000:]
    return out


def _openstack(port: int, *args: str) -> subprocess.CompletedProcess:
    cmd = [os.path.join(BIN, 'openstack'), '--os-auth-type', 'none',
           '--os-endpoint', 'http://127.0.0.1:%d/v1' % port, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                          env=openstack_env())


@pytest.fixture
def state_dir(tmp_path):
    path = tmp_path / 'state'
    yield str(path)
    shutil.rmtree(path, ignore_errors=True)


def test_dev_serves_osc_and_keeps_state(state_dir):
    port = _free_port()
    proc = _start(state_dir, port)
    try:
        created = _openstack(port, 'coe', 'cluster', 'template', 'create', 'devtpl',
                             '--coe', 'kubernetes', '--image', 'fedora-atomic-latest',
                             '--external-network', 'public', '--flavor', 'm1.small',
                             '-f', 'json')
        assert created.returncode == 0, created.stderr
        doc = json.loads(created.stdout[created.stdout.index('{'):])
        # the simulator's image carries os_distro, which the service copied
        assert doc['cluster_distro'] == 'fedora-atomic'

        missing = _openstack(port, 'coe', 'cluster', 'template', 'create', 'bad',
                             '--coe', 'kubernetes', '--image', 'no-such-image',
                             '--external-network', 'public')
        assert missing.returncode != 0
        assert 'no-such-image' in missing.stderr and '400' in missing.stderr

        listed = _openstack(port, 'coe', 'cluster', 'template', 'list', '-f', 'json')
        assert listed.returncode == 0, listed.stderr
        assert [t['name'] for t in json.loads(listed.stdout)] == ['devtpl']
    finally:
        out = _stop(proc)
    assert 'magnum-like-dev stopped.' in out
    # An encryption key of its own, private, kept for the next start.
    key_file = os.path.join(state_dir, 'encryption.key')
    assert os.stat(key_file).st_mode & 0o777 == 0o600
    with open(key_file) as handle:
        key = handle.read()

    # A restart keeps the templates and the key.
    proc = _start(state_dir, port)
    try:
        listed = _openstack(port, 'coe', 'cluster', 'template', 'list', '-f', 'json')
        assert listed.returncode == 0, listed.stderr
        assert [t['name'] for t in json.loads(listed.stdout)] == ['devtpl']
    finally:
        _stop(proc)
    with open(key_file) as handle:
        assert handle.read() == key
