"""``magnum-like-api`` with ``[api] workers = 2``: two processes share the port.

Each request names the worker that answered it in the ``Server`` header
(``[DEFAULT] debug``). Both workers answer, a worker killed with SIGKILL is
replaced while the other keeps serving, and SIGTERM to the parent stops all.
A configuration the service cannot work with makes it refuse to start.
"""
from __future__ import annotations

import os
import re
import signal
import sys
import subprocess
import time

import pytest
import requests

from tests.fixtures.processes import API
from tests.fixtures.processes import DB_MANAGE
from tests.fixtures.processes import free_port as _free_port
from tests.fixtures.processes import wait_for as _wait

HEADERS = {'X-Project-Id': 'p', 'X-User-Id': 'u', 'X-Roles': 'reader',
           'Connection': 'close'}


def _write_config(tmp_path, port: int, extra: str = '') -> str:
    config = tmp_path / 'magnum_like.conf'
    config.write_text('\n'.join([
        '[DEFAULT]', 'debug = true', 'state_path = %s' % tmp_path,
        'log_file = %s' % (tmp_path / 'api.log'),
        '[api]', 'host = 127.0.0.1', 'port = %d' % port, 'auth_strategy = noauth',
        'workers = 2', 'threads = 4',
        '[database]', 'connection = sqlite:///%s' % (tmp_path / 'api.sqlite'),
    ]) + '\n' + extra)
    return str(config)


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/%s/stat' % entry) as stat:
                    fields = stat.read().rsplit(')', 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != 'Z':
                found.add(int(entry))
    return found


def _answering_pid(url: str) -> int:
    resp = requests.get(url + '/v1/clustertemplates', headers=HEADERS, timeout=10)
    assert resp.status_code == 200, resp.text
    return int(re.search(r'pid (\d+)', resp.headers['Server']).group(1))


def test_two_workers_share_the_port_and_a_dead_one_is_replaced(tmp_path):
    port = _free_port()
    config = _write_config(tmp_path, port)
    subprocess.run([DB_MANAGE, '--config-file', config, 'upgrade'], check=True,
                   capture_output=True, timeout=120, cwd='/')
    proc = subprocess.Popen([API, '--config-file', config], cwd='/',
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = 'http://127.0.0.1:%d' % port
    try:
        workers = _wait(lambda: len(_children(proc.pid)) == 2 and _children(proc.pid), 60,
                        'two workers')

        def answered_by_both():
            seen = set()
            for _ in range(200):
                try:
                    seen.add(_answering_pid(url))
                except (requests.ConnectionError, requests.Timeout):  # bound socket, worker not yet serving
                    return False
                if seen == workers:
                    return seen
            return False
        assert _wait(answered_by_both, 60, 'answers from both workers') == workers

        victim, survivor = sorted(workers)
        os.kill(victim, signal.SIGKILL)
        # Service never stops: every request in the meantime is answered.
        replaced = set()
        deadline = time.monotonic() + 60
        while not replaced and time.monotonic() < deadline:
            assert _answering_pid(url) != victim
            replaced = _children(proc.pid) - {survivor}
        assert replaced and victim not in replaced, 'the killed worker was not replaced'
        new_worker = replaced.pop()
        seen = set()
        _wait(lambda: seen.add(_answering_pid(url)) or new_worker in seen, 60,
              'an answer from the new worker')
        assert proc.poll() is None

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=40) == 0
        assert not _children(proc.pid)
        for pid in (survivor, new_worker):
            assert not os.path.exists('/proc/%d' % pid) or _zombie(pid)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _zombie(pid: int) -> bool:
    try:
        with open('/proc/%d/stat' % pid) as stat:
            return stat.read().rsplit(')', 1)[1].split()[0] == 'Z'
    except OSError:
        return True


def test_workers_do_not_outlive_a_killed_parent(tmp_path):
    port = _free_port()
    config = _write_config(tmp_path, port)
    subprocess.run([DB_MANAGE, '--config-file', config, 'upgrade'], check=True,
                   capture_output=True, timeout=120, cwd='/')
    proc = subprocess.Popen([API, '--config-file', config], cwd='/',
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        workers = _wait(lambda: len(_children(proc.pid)) == 2 and _children(proc.pid), 60,
                        'two workers')
    finally:
        proc.kill()
        proc.wait(10)
    _wait(lambda: all(_zombie(pid) for pid in workers), 30, 'the workers to stop')


@pytest.mark.parametrize('extra, option', [
    ('[api]\nauth_strategy = keystone\n', '[trust] trustee_domain_id'),
    ('[certificates]\ncert_manager_type = x509keypair\n',
     '[certificates] x509keypair_encryption_key'),
])
def test_api_refuses_to_start_without_required_secrets(tmp_path, extra, option):
    config = _write_config(tmp_path, _free_port(), extra)
    result = subprocess.run([API, '--config-file', config], capture_output=True, text=True,
                            timeout=60, cwd='/')
    assert result.returncode == 2, result.stderr
    assert option in result.stderr


def test_wsgi_entry_point_refuses_a_configuration_that_cannot_work(tmp_path):
    config = _write_config(tmp_path, _free_port(),
                           '[certificates]\ncert_manager_type = x509keypair\n')
    result = subprocess.run(
        [sys.executable, '-c', 'from magnum_like.api import wsgi; wsgi.init_application()'],
        capture_output=True, text=True, timeout=60, cwd='/',
        env=dict(os.environ, MAGNUM_LIKE_CONFIG=config))
    assert result.returncode != 0
    logged = (tmp_path / 'api.log').read_text()  # oslo.log's excepthook writes there
    assert 'ConfigurationError' in logged
    assert '[certificates] x509keypair_encryption_key' in logged
