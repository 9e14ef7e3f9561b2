"""Keystone, users, catalog and trusts for ``magnum-like-dev --dashboard``.

:func:`start` brings up a Keystone in ``<state>/keystone`` and makes sure it
holds what the dev cloud needs (every step idempotent, so a restart keeps the
users and their passwords):

* users ``admin`` (role ``admin`` on project ``admin``) and ``demo`` (``member``
  and ``reader`` on project ``demo``), the service user ``magnum`` (``admin`` on
  project ``service``), and the trustee domain ``magnum`` with its admin
  ``magnum_domain_admin``;
* the catalog: ``identity`` → Keystone, ``container-infra`` → the API, and the
  simulated ``orchestration``, ``key-manager``, ``compute``, ``image``,
  ``network``, ``load-balancer`` → the simulator.

It then switches the service to ``[api] auth_strategy = keystone`` with trusts
(encryption keys for trustee passwords and x509 private keys generated once,
kept in ``<state>/devcloud-secrets.json``, mode 0600), and starts Horizon
(:mod:`magnum_like.devcloud.dashboard`).
"""
from __future__ import annotations

import json
import os
import secrets
from typing import Any

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from magnum_like.common import crypto
from magnum_like.devcloud import dashboard as dashboard_mod
from magnum_like.devcloud import keystone as keystone_mod

REGION = 'RegionOne'
TRUSTEE_DOMAIN = 'magnum'
TRUSTEE_ADMIN = 'magnum_domain_admin'
SERVICE_USER = 'magnum'

opts = [
    cfg.BoolOpt('dashboard', default=False,
                help='Also run Keystone and Horizon with magnum-ui (needs the dashboard '
                     'extra); the API then authenticates with Keystone and makes trusts.'),
    cfg.PortOpt('keystone-port', default=9513, help='Port of Keystone (with --dashboard).'),
    cfg.PortOpt('dashboard-port', default=9514, help='Port of Horizon (with --dashboard).'),
]


def load_secrets(state_dir: str) -> dict[str, str]:
    """Passwords and keys of the dev cloud, generated on the first start."""
    path = os.path.join(state_dir, 'devcloud-secrets.json')
    data: dict[str, str] = {}
    if os.path.exists(path):
        with open(path) as handle:
            data = json.load(handle)
    wanted = {
        'admin_password': lambda: secrets.token_urlsafe(12),
        'demo_password': lambda: secrets.token_urlsafe(12),
        'service_password': lambda: secrets.token_urlsafe(24),
        'trustee_admin_password': lambda: secrets.token_urlsafe(24),
        'horizon_secret_key': lambda: secrets.token_urlsafe(48),
        'encryption_key': crypto.generate_key,
    }
    missing = {name: make() for name, make in wanted.items() if name not in data}
    if missing:
        data.update(missing)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w') as handle:
            json.dump(data, handle, indent=1)
    return data


def _one(items: list[Any], what: str) -> Any:
    return items[0] if items else None


def _ensure_user(ks: Any, name: str, password: str, **kwargs: Any) -> Any:
    user = _one(ks.users.list(name=name, domain=kwargs.get('domain', 'default')), name)
    if user is None:
        return ks.users.create(name, password=password, **kwargs)
    return ks.users.update(user, password=password)


def _ensure_project(ks: Any, name: str) -> Any:
    project = _one(ks.projects.list(name=name, domain='default'), name)
    return project or ks.projects.create(name, domain='default')


def _ensure_endpoints(ks: Any, service_type: str, name: str, url: str) -> None:
    """One service of ``service_type`` whose public and internal endpoints are ``url``."""
    service = _one(ks.services.list(type=service_type), service_type)
    if service is None:
        service = ks.services.create(name, type=service_type)
    existing = {e.interface: e for e in ks.endpoints.list(service=service)}
    for interface in ('public', 'internal', 'admin'):
        endpoint = existing.get(interface)
        if endpoint is None:
            ks.endpoints.create(service, url, interface=interface, region=REGION)
        elif endpoint.url != url:
            ks.endpoints.update(endpoint, url=url)


def provision(server: keystone_mod.KeystoneServer, secret: dict[str, str], *,
              api_url: str, sim_endpoints: dict[str, str]) -> dict[str, str]:
    """Users, projects, roles, trustee domain and catalog; returns the ids the service needs."""
    from keystoneclient.v3 import client as ks_client
    ks = ks_client.Client(session=server.admin_session())
    roles = {r.name: r for r in ks.roles.list()}
    demo_project = _ensure_project(ks, 'demo')
    demo = _ensure_user(ks, 'demo', secret['demo_password'], domain='default',
                        default_project=demo_project)
    for role in ('member', 'reader'):
        ks.roles.grant(roles[role], user=demo, project=demo_project)
    service_project = _ensure_project(ks, 'service')
    service_user = _ensure_user(ks, SERVICE_USER, secret['service_password'], domain='default')
    ks.roles.grant(roles['admin'], user=service_user, project=service_project)

    domain = _one(ks.domains.list(name=TRUSTEE_DOMAIN), TRUSTEE_DOMAIN)
    if domain is None:
        domain = ks.domains.create(TRUSTEE_DOMAIN,
                                   description='Owns the users of the clusters\' trusts')
    domain_admin = _ensure_user(ks, TRUSTEE_ADMIN, secret['trustee_admin_password'],
                                domain=domain)
    ks.roles.grant(roles['admin'], user=domain_admin, domain=domain)

    _ensure_endpoints(ks, 'identity', 'keystone', server.url)
    _ensure_endpoints(ks, 'container-infra', 'magnum', api_url + '/v1')
    for service_type, url in sim_endpoints.items():
        _ensure_endpoints(ks, service_type, 'cloudsim-' + service_type, url)
    return {'trustee_domain_id': domain.id, 'trustee_domain_admin_id': domain_admin.id}


def configure_service(conf: cfg.ConfigOpts, server: keystone_mod.KeystoneServer,
                      secret: dict[str, str], ids: dict[str, str]) -> None:
    """``[api] auth_strategy = keystone``, the service's credentials, trusts and keys."""
    credentials = {'auth_type': 'password', 'auth_url': server.url, 'username': SERVICE_USER,
                   'password': secret['service_password'], 'project_name': 'service',
                   'user_domain_id': 'default', 'project_domain_id': 'default'}
    password_opts = ks_loading.get_auth_plugin_conf_options('password')
    for group in ('keystone_authtoken', 'keystone_auth'):
        # keystonemiddleware and keystoneauth register the plugin's options
        # only when they load it; overriding them needs them registered now.
        ks_loading.register_auth_conf_options(conf, group)
        conf.register_opts(password_opts, group=group)
        for name, value in credentials.items():
            conf.set_override(name, value, group=group)
    from keystonemiddleware import opts as authtoken_opts
    for group, items in authtoken_opts.list_auth_token_opts():
        conf.register_opts(items, group=group)
    conf.set_override('www_authenticate_uri', server.url, group='keystone_authtoken')
    conf.set_override('auth_strategy', 'keystone', group='api')
    for name, value in ids.items():
        conf.set_override(name, value, group='trust')
    conf.set_override('trustee_domain_admin_password', secret['trustee_admin_password'],
                      group='trust')
    conf.set_override('trustee_keystone_region_name', REGION, group='trust')
    conf.set_override('trustee_password_encryption_key', [secret['encryption_key']],
                      group='trust')
    if not conf.certificates.x509keypair_encryption_key:
        conf.set_override('x509keypair_encryption_key', [secret['encryption_key']],
                          group='certificates')


class DevCloud:
    """Keystone and Horizon next to the dev service; :meth:`stop` ends both."""

    def __init__(self, state_dir: str, *, bind: str, keystone_port: int,
                 dashboard_port: int) -> None:
        self.state_dir = state_dir
        self.secret = load_secrets(state_dir)
        self.keystone = keystone_mod.KeystoneServer(
            os.path.join(state_dir, 'keystone'), host=bind, port=keystone_port,
            admin_password=self.secret['admin_password'])
        self.horizon: dashboard_mod.HorizonServer | None = None
        self.bind = bind
        self.dashboard_port = dashboard_port

    def start(self, conf: cfg.ConfigOpts, *, api_url: str,
              sim_endpoints: dict[str, str]) -> 'DevCloud':
        """Keystone up and provisioned, the service configured, Horizon starting."""
        self.keystone.start()
        try:
            ids = provision(self.keystone, self.secret, api_url=api_url,
                            sim_endpoints=sim_endpoints)
            configure_service(conf, self.keystone, self.secret, ids)
            self.horizon = dashboard_mod.HorizonServer(
                os.path.join(self.state_dir, 'horizon'), host=self.bind,
                port=self.dashboard_port, keystone_url=self.keystone.url,
                secret_key=self.secret['horizon_secret_key']).start()
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ready(self) -> None:
        """Wait for Horizon's first page (it compresses the assets)."""
        self.horizon.wait_ready()

    def banner(self, api_url: str, sim_url: str) -> str:
        """The dashboard's URL and the users' passwords."""
        return '\n'.join([
            '',
            'magnum-like-dev is running with Keystone and the dashboard.',
            '  API:        %s/v1   (Keystone tokens; trusts on)' % api_url,
            '  Simulator:  %s' % sim_url,
            '  State:      %s' % self.state_dir,
            'Dashboard (Horizon with Container Infra): %s' % self.horizon.url,
            '  Keystone:  %s' % self.keystone.url,
            '  admin / %s   (project admin; Admin > Container Infra > Quotas)'
            % self.secret['admin_password'],
            '  demo  / %s   (project demo)' % self.secret['demo_password'],
            '  (kept in %s)' % os.path.join(self.state_dir, 'devcloud-secrets.json'),
            'CLI: openstack --os-auth-url %s --os-username demo --os-password %s '
            '--os-project-name demo --os-user-domain-id default --os-project-domain-id default '
            'coe cluster list' % (self.keystone.url, self.secret['demo_password']),
            '',
            'Press Ctrl-C to stop.',
            '',
        ])

    def stop(self) -> None:
        """Stop Horizon and Keystone (their state stays in the state directory)."""
        if self.horizon is not None:
            self.horizon.stop()
        self.keystone.stop()
