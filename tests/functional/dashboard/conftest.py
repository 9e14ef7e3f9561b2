"""The dev cloud with the dashboard (``magnum-like-dev --dashboard``) and a browser.

The cloud is the real command, run as a subprocess with its state in a temp
dir and free ports; its banner gives the dashboard URL, its secrets file the
passwords. In CI (``CI=true``) a missing browser, Horizon or Keystone fails the
tests instead of skipping them.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from magnum_like.devcloud import keystone as devcloud_keystone
from tests.functional.dashboard import browser as browser_mod

BIN = os.path.dirname(sys.executable)
#: Seconds the dev cloud gets to print its banner (Keystone setup, Horizon's first page).
START_TIMEOUT = 900


def _missing(reason: str) -> None:
    if os.environ.get('CI', '').lower() in ('1', 'true', 'yes'):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope='session')
def dashboard_requirements():
    chromium, driver = browser_mod.find_binaries()
    if not (chromium and driver):
        _missing('chromium and chromedriver are needed (apt-get install chromium '
                 'chromium-driver)')
    for module in ('openstack_dashboard', 'magnum_ui', 'keystone', 'selenium'):
        try:
            __import__(module)
        except ImportError as error:
            _missing('the dashboard extra is needed (pip install -c upper-constraints.txt '
                     "-e '.[test,dashboard]'): %s" % error)


@pytest.fixture(scope='module')
def devcloud(dashboard_requirements, tmp_path_factory):
    """``magnum-like-dev --dashboard`` running; yields URL, passwords and paths."""
    state = tmp_path_factory.mktemp('devcloud')
    ports = [devcloud_keystone.free_port() for _ in range(4)]
    log_path = state / 'dev.log'
    log = open(log_path, 'w')
    proc = subprocess.Popen(
        [os.path.join(BIN, 'magnum-like-dev'), '--dashboard', '--state-dir', str(state),
         '--port', str(ports[0]), '--sim-port', str(ports[1]),
         '--keystone-port', str(ports[2]), '--dashboard-port', str(ports[3])],
        stdout=log, stderr=subprocess.STDOUT, cwd=str(state))
    deadline = time.monotonic() + START_TIMEOUT
    url = None
    while url is None:
        text = log_path.read_text(errors='replace')
        match = re.search(r'Dashboard \(Horizon with Container Infra\): (\S+)', text)
        if match:
            url = match.group(1)
        elif proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail('magnum-like-dev --dashboard did not start:\n%s' % text[-5000:])
        else:
            time.sleep(1)
    secrets = json.loads((state / 'devcloud-secrets.json').read_text())
    banner = log_path.read_text(errors='replace')
    yield {'url': url, 'state': state, 'banner': banner, 'log': log_path,
           'admin_password': secrets['admin_password'],
           'demo_password': secrets['demo_password']}
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(30)
    log.close()


@pytest.fixture
def shots_dir(request, tmp_path):
    """Where screenshots go: ``$MLT_DASHBOARD_SHOTS/<test>`` if set, else the test's tmp_path."""
    base = os.environ.get('MLT_DASHBOARD_SHOTS')
    path = os.path.join(base, request.node.name) if base else str(tmp_path / 'screenshots')
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture
def browser(devcloud, shots_dir):
    chrome = browser_mod.Browser(devcloud['url'], shots_dir)
    yield chrome
    chrome.quit()
