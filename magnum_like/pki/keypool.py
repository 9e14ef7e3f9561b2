"""Private keys for cluster CAs, made off the conductor's GIL.

cryptography's RSA generation holds the GIL for the whole generation (about
60 ms per 2048-bit key here; measured: two threads take twice as long as one,
and every other thread of the process stalls meanwhile). A create needs four
keys (three CAs and the service's client certificate), so a burst of creates
used to freeze the threads that turn Heat's completions into statuses.

:class:`KeyPool` generates keys in ``[conductor] keygen_processes`` worker
processes (plain ``python -c`` children that import only cryptography, one
feeder thread each) and keeps
``[conductor] keygen_pool_size`` of them ready per key kind (type and size or
curve, as ``[x509]`` says at the time of the request), refilled in the
background. A caller waiting for a key only waits on a condition, with the GIL
released. Keys cross the process boundary as unencrypted PKCS#8 DER over the
pool's local pipe and live only in this process's memory, exactly like a key
generated in-process; nothing is written to disk. The parent loads them
with ``unsafe_skip_rsa_key_validation``: the RSA consistency check (66 ms per
key, GIL held) guards against key material from elsewhere, while these keys
come straight from OpenSSL's generator in our own child process. Key type,
size and generator are unchanged (RSA ``public_exponent=65537``, ``[x509]
rsa_key_size``, default 2048; or EC ``[x509] ec_curve``).

:func:`install` (the conductor service's start) makes
:func:`magnum_like.pki.x509.generate_private_key` use the pool;
:func:`uninstall` undoes it. If the worker processes fail, keys are generated
in-process (logged).
"""
from __future__ import annotations

import collections
import queue
import struct
import subprocess
import sys
import threading
from typing import Any

from oslo_log import log as logging

from magnum_like.pki import x509

LOG = logging.getLogger(__name__)

#: Seconds a caller waits for a key from the workers before making it itself.
WAIT = 60.0


#: What a worker process runs: read ``<type> <size or curve>`` lines, answer
#: each with a 4-byte big-endian length and the key's PKCS#8 DER.
_WORKER = r"""
import struct, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
out = sys.stdout.buffer
for line in sys.stdin:
    kind, param = line.split()
    if kind == 'ec':
        key = ec.generate_private_key({'secp256r1': ec.SECP256R1,
                                       'secp384r1': ec.SECP384R1}[param]())
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=int(param))
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        out.write(struct.pack('>I', len(der)) + der)
        out.flush()
    except BrokenPipeError:  # the conductor went away
        break
"""


def _make(key_type: str, param: Any) -> bytes:
    """Generate one private key in this process; PKCS#8 DER (what a worker does)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric import rsa
    if key_type == 'ec':
        curve = {'secp256r1': ec.SECP256R1, 'secp384r1': ec.SECP384R1}[param]
        key: Any = ec.generate_private_key(curve())
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=int(param))
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _load(der: bytes) -> Any:
    from cryptography.hazmat.primitives import serialization
    # Our own child made it with OpenSSL's generator: the (66 ms) RSA check is
    # for keys of unknown origin.
    return serialization.load_der_private_key(der, password=None,
                                              unsafe_skip_rsa_key_validation=True)


def _read(stream: Any, size: int) -> bytes:
    data = b''
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            raise EOFError('key generation process exited')
        data += chunk
    return data


class _Worker(threading.Thread):
    """One child process and the thread feeding it jobs from ``jobs``."""

    def __init__(self, jobs: queue.Queue, done: Any) -> None:
        super().__init__(name='keygen-feeder', daemon=True)
        self.jobs = jobs
        self.done = done
        self.proc = subprocess.Popen([sys.executable, '-c', _WORKER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, close_fds=True)

    def run(self) -> None:
        while True:
            kind = self.jobs.get()
            if kind is None:
                break
            try:
                self.proc.stdin.write(('%s %s\n' % kind).encode('ascii'))
                self.proc.stdin.flush()
                size = struct.unpack('>I', _read(self.proc.stdout, 4))[0]
                self.done(kind, _read(self.proc.stdout, size), None)
            except Exception as error:  # noqa: BLE001 - reported to the waiters
                self.done(kind, None, error)
                break
        self.stop()

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except Exception:  # noqa: BLE001
                self.proc.kill()


class KeyPool:
    """Keys generated by worker processes, ``size`` kept ready per kind.

    :param processes: worker processes (at least 1).
    :param size: keys kept ready per kind (0: generate on demand only).
    """

    def __init__(self, processes: int, size: int) -> None:
        self.size = size
        self._jobs: queue.Queue = queue.Queue()
        self._workers = [_Worker(self._jobs, self._done) for _ in range(max(1, processes))]
        for worker in self._workers:
            worker.start()
        self._cond = threading.Condition()
        self._ready: dict[tuple, collections.deque] = collections.defaultdict(
            collections.deque)
        self._inflight: collections.Counter = collections.Counter()
        self._waiting: collections.Counter = collections.Counter()
        self._error: BaseException | None = None
        self._closed = False
        self.made = 0
        self.served_ready = 0

    def prefill(self, kind: tuple) -> None:
        """Start generating ``size`` keys of ``kind`` in the background."""
        with self._cond:
            self._fill(kind)

    def _fill(self, kind: tuple) -> None:
        # under self._cond
        if self._closed:
            return
        want = self.size + self._waiting[kind]
        while len(self._ready[kind]) + self._inflight[kind] < want:
            self._jobs.put(kind)
            self._inflight[kind] += 1

    def _done(self, kind: tuple, der: bytes | None, error: BaseException | None) -> None:
        with self._cond:
            self._inflight[kind] -= 1
            if error is not None:
                self._error = error
            elif not self._closed:
                self._ready[kind].append(der)
                self.made += 1
            self._cond.notify_all()

    def get(self, kind: tuple) -> Any:
        """A private key of ``kind`` (``('rsa', bits)`` or ``('ec', curve)``).

        :raises RuntimeError: the workers failed or did not answer in :data:`WAIT`.
        """
        with self._cond:
            if self._error is not None or self._closed:
                raise RuntimeError('key generation processes unavailable: %s' % self._error)
            if self._ready[kind]:
                self.served_ready += 1
            self._waiting[kind] += 1
            try:
                self._fill(kind)
                ok = self._cond.wait_for(
                    lambda: self._ready[kind] or self._error is not None or self._closed,
                    timeout=WAIT)
                if not self._ready[kind]:
                    raise RuntimeError('key generation processes unavailable: %s'
                                       % (self._error or 'timed out' if not ok else 'closed'))
                der = self._ready[kind].popleft()
            finally:
                self._waiting[kind] -= 1
            self._fill(kind)
        return _load(der)

    def close(self) -> None:
        """Stop the workers; forget the keys kept ready."""
        with self._cond:
            self._closed = True
            for keys in self._ready.values():
                keys.clear()
            self._cond.notify_all()
        while True:  # queued refills are not needed any more
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
        for _worker in self._workers:
            self._jobs.put(None)
        for worker in self._workers:
            if worker.is_alive():
                worker.join(timeout=5)
            worker.stop()


_POOL: KeyPool | None = None
_USERS = 0
_LOCK = threading.Lock()


def current_kind(conf: Any) -> tuple:
    """The key kind ``[x509]`` asks for now."""
    if conf.x509.key_type == 'ec':
        return ('ec', conf.x509.ec_curve)
    return ('rsa', conf.x509.rsa_key_size)


def install(conf: Any) -> None:
    """Generate this process's keys with a :class:`KeyPool` (reference counted).

    Does nothing when ``[conductor] keygen_processes`` is 0.
    """
    global _POOL, _USERS
    if conf.conductor.keygen_processes <= 0:
        return
    with _LOCK:
        _USERS += 1
        if _POOL is None:
            _POOL = KeyPool(conf.conductor.keygen_processes, conf.conductor.keygen_pool_size)
            _POOL.prefill(current_kind(conf))
            x509.set_key_source(_source)


def uninstall() -> None:
    """Undo one :func:`install`; the last one stops the workers."""
    global _POOL, _USERS
    with _LOCK:
        if _USERS == 0:
            return
        _USERS -= 1
        if _USERS == 0 and _POOL is not None:
            x509.set_key_source(None)
            pool, _POOL = _POOL, None
            pool.close()


def _source(kind: tuple) -> Any:
    pool = _POOL
    if pool is None:
        return None
    try:
        return pool.get(kind)
    except RuntimeError as error:
        LOG.warning('Generating a key in-process: %s', error)
        return None
