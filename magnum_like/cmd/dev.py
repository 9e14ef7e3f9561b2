"""``magnum-like-dev``: the whole service on one machine.

Starts the built-in cloud simulator, a conductor and the API (noauth) in one
process, with SQLite in the state directory and in-process RPC (or RabbitMQ
with ``--transport-url``). State survives a restart: the database and the
simulator's state both live in ``--state-dir``. Ctrl-C stops everything.
"""
from __future__ import annotations

import os
import sys

from oslo_config import cfg
from oslo_log import log as logging

from magnum_like import conf as ml_conf
from magnum_like.common import config_check
from magnum_like.common import service

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)

DEFAULT_STATE_DIR = os.path.join(os.path.expanduser('~'), '.local', 'state', 'magnum-like-dev')

cli_opts = [
    cfg.PortOpt('port', default=9511, help='Port of the API.'),
    cfg.PortOpt('sim-port', default=9512, help='Port of the cloud simulator (0: any free port).'),
    cfg.StrOpt('state-dir', default=DEFAULT_STATE_DIR,
               help='Directory holding the database and the simulator state.'),
    cfg.StrOpt('transport-url', dest='dev_transport_url',
               help='oslo.messaging URL (e.g. rabbit://guest:guest@127.0.0.1:5672/); '
                    'default: in-process.'),
    cfg.StrOpt('bind', default='127.0.0.1', help='Address the API and simulator listen on.'),
]

#: Which client option group reaches which simulated service.
CLIENT_GROUPS = {
    'heat_client': 'orchestration',
    'barbican_client': 'key-manager',
    'nova_client': 'compute',
    'glance_client': 'image',
    'neutron_client': 'network',
    'octavia_client': 'load-balancer',
}


def configure(state_dir: str, sim_endpoints: dict[str, str], *, port: int, bind: str) -> None:
    """Point the service at the state directory and the simulator."""
    CONF.set_override('state_path', state_dir)
    CONF.set_override('connection', 'sqlite:///%s' % os.path.join(state_dir, 'magnum_like.sqlite'),
                      group='database')
    CONF.set_override('auth_strategy', 'noauth', group='api')
    CONF.set_override('host', bind, group='api')
    CONF.set_override('port', port, group='api')
    CONF.set_override('validate_cloud_resources', True, group='cluster_template')
    for group, service_type in CLIENT_GROUPS.items():
        if service_type in sim_endpoints:
            CONF.set_override('endpoint_override', sim_endpoints[service_type], group=group)


def ensure_encryption_key(state_dir: str) -> None:
    """Give ``[certificates] x509keypair_encryption_key`` a key kept in the state directory.

    Unless the configuration sets one: a key generated once into
    ``<state dir>/encryption.key`` (mode 0600) and reused on every start, so
    what was encrypted before a restart still decrypts. ``[trust]
    trustee_password_encryption_key`` falls back to it.
    """
    if CONF.certificates.x509keypair_encryption_key:
        return
    from magnum_like.common import crypto
    path = os.path.join(state_dir, 'encryption.key')
    try:
        with open(path, encoding='ascii') as handle:
            key = handle.read().strip()
    except FileNotFoundError:
        key = crypto.generate_key()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, 'w', encoding='ascii') as handle:
            handle.write(key + '\n')
    CONF.set_override('x509keypair_encryption_key', [key], group='certificates')


def banner(api_url: str, sim_url: str, state_dir: str) -> str:
    """What to tell the user once everything runs."""
    return '\n'.join([
        '',
        'magnum-like-dev is running.',
        '  API:        %s/v1   (noauth)' % api_url,
        '  Simulator:  %s   (GET / lists the simulated services)' % sim_url,
        '  State:      %s' % state_dir,
        '',
        'Use it with the unmodified OpenStack client:',
        '  openstack --os-auth-type none --os-endpoint %s/v1 coe cluster template list' % api_url,
        '',
        'or add to clouds.yaml and use --os-cloud magnum-like-dev:',
        '  clouds:',
        '    magnum-like-dev:',
        '      auth_type: none',
        '      endpoint: %s/v1' % api_url,
        '',
        'Press Ctrl-C to stop.',
        '',
    ])


def bridge_heat_notifications(sim, engine) -> None:
    """Hand every Heat notification of the simulator to the conductor as well."""
    emit = sim.notifier.emit

    def emit_and_deliver(event_type, payload, level='info'):
        emit(event_type, payload, level)
        engine.handle_heat_event(event_type, payload)

    sim.notifier.emit = emit_and_deliver


def main(argv: list[str] | None = None) -> int:
    """Run simulator, conductor and API until interrupted."""
    from magnum_like.api import app as api_app
    from magnum_like.cloudsim import Simulator
    from magnum_like.cmd import api as api_cmd
    from magnum_like.common import rpc
    from magnum_like.conductor import service as conductor_service
    from magnum_like.db import migration

    from magnum_like.devcloud import cloud as devcloud

    CONF.register_cli_opts(cli_opts)
    CONF.register_cli_opts(devcloud.opts)
    service.prepare_service(argv if argv is not None else sys.argv)
    state_dir = os.path.abspath(CONF.state_dir)
    os.makedirs(state_dir, exist_ok=True)

    sim = Simulator(host=CONF.bind, port=CONF.sim_port,
                    state_file=os.path.join(state_dir, 'cloudsim.sqlite'))
    sim.start()
    try:
        configure(state_dir, sim.endpoints, port=CONF.port, bind=CONF.bind)
        ensure_encryption_key(state_dir)
        config_check.check_secrets(CONF)
        migration.upgrade('head')
        rpc.init(CONF, url=CONF.dev_transport_url or 'fake:/')
        cloud = None
        if CONF.dashboard:
            cloud = devcloud.DevCloud(state_dir, bind=CONF.bind, keystone_port=CONF.keystone_port,
                                      dashboard_port=CONF.dashboard_port)
            cloud.start(CONF, api_url='http://%s:%s' % (CONF.bind, CONF.port),
                        sim_endpoints=sim.endpoints)
    except config_check.ConfigurationError as error:
        sim.stop()
        return service.refuse_to_start('magnum-like-dev', error)
    except BaseException:
        sim.stop()
        raise
    # One process: Heat's notifications go straight from the simulator to the
    # conductor (two fake:/ transports would not share messages), so the
    # conductor's own listener is not needed.
    CONF.set_override('heat_notifications', False, group='conductor')
    conductor = conductor_service.ConductorService()
    conductor.start()
    bridge_heat_notifications(sim, conductor.engine)

    server = api_cmd.make_server(api_app.setup_app(), CONF.bind, CONF.port,
                                 threads=CONF.api.threads)

    def ready(host, port):
        api_url = 'http://%s:%s' % (host, port)
        if cloud is None:
            print(banner(api_url, sim.url, state_dir), flush=True)
            return
        cloud.wait_ready()
        print(cloud.banner(api_url, sim.url), flush=True)

    try:
        api_cmd.serve_until_signalled(server, ready)
    finally:
        conductor.stop()
        rpc.cleanup()
        if cloud is not None:
            cloud.stop()
        sim.stop()
    print('magnum-like-dev stopped.', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
