"""A real Keystone (the ``keystone`` package from PyPI) on loopback.

Used by ``magnum-like-dev --dashboard`` and by the tests that need a Keystone.
:class:`KeystoneServer` writes its own ``keystone.conf`` in its directory
(SQLite, Fernet and credential keys there too), runs ``keystone-manage
db_sync``, ``fernet_setup``, ``credential_setup`` and ``bootstrap``, then serves
Keystone's WSGI app with cheroot in a subprocess: Keystone's configuration is
oslo.config's global ``CONF``, which the calling process already uses for
magnum_like. Every step is idempotent, so a persistent directory survives
restarts (the dev cloud keeps its users and passwords).

Bootstrap gives user ``admin`` the ``admin`` role on project ``admin``, and
creates the roles ``admin``, ``member`` and ``reader``.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time

import requests

_SERVE = textwrap.dedent('''
    import ctypes
    import os
    import signal
    import socket
    import sys
    from cheroot import wsgi
    host = os.environ['MLT_KEYSTONE_HOST']
    port = int(os.environ['MLT_KEYSTONE_PORT'])
    processes = int(os.environ['MLT_KEYSTONE_PROCESSES'])
    sys.argv = sys.argv[:1]  # Keystone parses the command line as its own
    # Keystone is served as deployments serve it, by processes of one thread
    # each: in one process, concurrent requests of different users step on each
    # other (a trust create then fails 403 identity:create_trust while another
    # user's request runs; seen with 8 threads, never with 1).
    sock = socket.create_server((host, port), backlog=128)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    parent = os.getpid()
    for _ in range(processes - 1):
        if os.fork() == 0:
            ctypes.CDLL(None).prctl(1, int(signal.SIGTERM), 0, 0, 0)  # die with the parent
            if os.getppid() != parent:
                os._exit(0)
            break
    from keystone.server.wsgi import initialize_public_application
    app = initialize_public_application()

    class Server(wsgi.Server):
        def bind(self, family, type, proto=0):
            self.socket = sock
            self.bind_addr = self.resolve_real_bind_addr(sock)
            return sock

    Server((host, port), app, numthreads=1, request_queue_size=128).start()
''')

#: Seconds the server gets to answer its first request.
START_TIMEOUT = 120


class KeystoneUnavailable(RuntimeError):
    """The keystone package is not installed or Keystone did not start."""


def free_port(host: str = '127.0.0.1') -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _bin(name: str) -> str:
    path = os.path.join(os.path.dirname(sys.executable), name)
    return path if os.path.exists(path) else name


class KeystoneServer:
    """Keystone on ``host:port``; ``url`` is its ``/v3`` endpoint.

    :param directory: where config, database and keys live; ``None``: a temp
        dir removed by :meth:`stop`.
    :param port: 0 picks a free port.
    :param admin_password: the bootstrap admin's password.
    :param db_url: Keystone's database (default a SQLite file in ``directory``;
        SQLite refuses concurrent writes, so a deployment that creates and deletes
        users and trusts from several processes gives a MariaDB URL, as operators do).
    :param password_hash_rounds: Keystone's bcrypt cost (``[identity]
        password_hash_rounds``): 4, the least, keeps user creation cheap for tests;
        Keystone's own default is 12 (benchmarks that time user creation use it).
    :param processes: serving processes (one thread each; Keystone is not safe
        with several threads per process). Default: 4 on a database server, 1 on
        SQLite, whose file lock makes concurrent writes from several processes fail
        with "database is locked" (a 500 to a token or user create: tempest's dynamic
        credentials met it at once).
    :param cache_servers: ``host:port`` of memcached servers for Keystone's own
        cache (``[cache] backend = oslo_cache.memcache_pool``, as deployments
        configure it; needs python-memcached, the ``memcache`` extra); empty:
        Keystone caches nothing (its default).
    """

    def __init__(self, directory: str | None = None, *, host: str = '127.0.0.1',
                 port: int = 0, admin_password: str = 'admin-secret',
                 db_url: str | None = None, password_hash_rounds: int = 4,
                 processes: int | None = None, cache_servers: tuple[str, ...] = ()) -> None:
        self.db_url = db_url
        self.cache_servers = tuple(cache_servers)
        self.password_hash_rounds = password_hash_rounds
        if processes is None:
            processes = 4 if db_url and not db_url.startswith('sqlite') else 1
        self.processes = max(1, processes)
        self.directory = directory
        self._own_directory = directory is None
        self.host = host
        self.port = port
        self.admin_password = admin_password
        self.process: subprocess.Popen | None = None
        self.url: str | None = None
        self.conf: str | None = None

    def _manage(self, *args: str) -> None:
        result = subprocess.run([_bin('keystone-manage'), '--config-file', self.conf, *args],
                                capture_output=True, text=True, check=False, timeout=300)
        if result.returncode:
            raise KeystoneUnavailable('keystone-manage %s failed: %s'
                                      % (args[0], result.stderr[-2000:]))

    def _write_config(self) -> None:
        with open(self.conf, 'w') as handle:
            handle.write(textwrap.dedent('''
                [DEFAULT]
                log_file = {d}/keystone.log
                [database]
                connection = {db_url}
                [token]
                provider = fernet
                [fernet_tokens]
                key_repository = {d}/fernet-keys
                [fernet_receipts]
                key_repository = {d}/fernet-receipts
                [credential]
                key_repository = {d}/credential-keys
                [identity]
                password_hash_rounds = {rounds}
            ''').format(d=self.directory, rounds=self.password_hash_rounds,
                        db_url=self.db_url or 'sqlite:///%s/keystone.db' % self.directory))
            if self.cache_servers:
                handle.write(textwrap.dedent('''
                    [cache]
                    enabled = true
                    backend = oslo_cache.memcache_pool
                    memcache_servers = {servers}
                ''').format(servers=','.join(self.cache_servers)))

    def _setup(self) -> None:
        user, group = str(os.getuid()), str(os.getgid())
        self._manage('db_sync')
        for command, repo in (('fernet_setup', 'fernet-keys'),
                              ('credential_setup', 'credential-keys')):
            path = os.path.join(self.directory, repo)
            if not (os.path.isdir(path) and os.listdir(path)):
                self._manage(command, '--keystone-user', user, '--keystone-group', group)
        self._manage('bootstrap', '--bootstrap-password', self.admin_password,
                     '--bootstrap-admin-url', self.url, '--bootstrap-public-url', self.url,
                     '--bootstrap-internal-url', self.url,
                     '--bootstrap-region-id', 'RegionOne')

    def start(self) -> 'KeystoneServer':
        """Set up (idempotently) and serve; returns once ``url`` answers.

        :raises KeystoneUnavailable: keystone is not installed or did not start.
        """
        try:
            import keystone  # noqa: F401
        except ImportError as error:
            raise KeystoneUnavailable(
                'the keystone package is needed (pip install .[dashboard]): %s' % error)
        if self.directory is None:
            self.directory = tempfile.mkdtemp(prefix='mlt_keystone_')
        os.makedirs(self.directory, exist_ok=True)
        if not self.port:
            self.port = free_port(self.host)
        self.url = 'http://%s:%d/v3' % (self.host, self.port)
        self.conf = os.path.join(self.directory, 'keystone.conf')
        self._write_config()
        self._setup()
        env = dict(os.environ, OS_KEYSTONE_CONFIG_FILES=self.conf,
                   MLT_KEYSTONE_HOST=self.host, MLT_KEYSTONE_PORT=str(self.port),
                   MLT_KEYSTONE_PROCESSES=str(self.processes))
        err_path = os.path.join(self.directory, 'serve.err')
        with open(err_path, 'w') as err:
            self.process = subprocess.Popen([sys.executable, '-c', _SERVE], env=env,
                                            stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if requests.get(self.url, timeout=2).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or listening while Keystone still loads
            if self.process.poll() is not None or time.monotonic() > deadline:
                with open(err_path) as handle:
                    tail = handle.read()[-2000:]
                self.stop()
                raise KeystoneUnavailable('keystone did not start: %s' % tail)
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop the server; remove the directory if it was a temp dir."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
            self.process = None
        if self._own_directory and self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def session(self, username: str = 'admin', password: str | None = None,
                project_name: str = 'admin'):
        """A keystoneauth session as ``username`` (default: the bootstrap admin)."""
        from keystoneauth1.identity import v3
        from keystoneauth1 import session
        return session.Session(auth=v3.Password(
            auth_url=self.url, username=username,
            password=password if password is not None else self.admin_password,
            user_domain_id='default', project_name=project_name,
            project_domain_id='default'))

    def admin_session(self):
        """A keystoneauth session as the bootstrap admin (project ``admin``)."""
        return self.session()
