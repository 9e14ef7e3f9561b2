"""Private keys from worker processes (``magnum_like.pki.keypool``), with real children."""
from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
import pytest

from magnum_like.pki import keypool
from magnum_like.pki import x509
from magnum_like import conf as ml_conf

CONF = ml_conf.CONF


@pytest.fixture
def pool():
    made = keypool.KeyPool(processes=1, size=1)
    yield made
    made.close()


def test_keys_of_each_kind_come_from_the_workers(pool):
    key = pool.get(('rsa', 2048))
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    assert key.public_key().public_numbers().e == 65537
    curve = pool.get(('ec', 'secp384r1'))
    assert isinstance(curve, ec.EllipticCurvePrivateKey) and curve.curve.name == 'secp384r1'
    assert pool.made >= 2
    # Two keys are two keys.
    assert pool.get(('rsa', 2048)).private_numbers() != key.private_numbers()


def test_a_dead_worker_is_reported_not_waited_for(pool):
    pool.get(('rsa', 2048))
    for worker in pool._workers:
        worker.proc.kill()
        worker.proc.wait()
    with pytest.raises(RuntimeError, match='unavailable'):
        # The refill the first get asked for may still be served; then the next one fails.
        for _ in range(3):
            pool.get(('rsa', 2048))


@pytest.fixture
def installed():
    CONF.set_override('keygen_processes', 1, group='conductor')
    CONF.set_override('keygen_pool_size', 1, group='conductor')
    keypool.install(CONF)
    yield keypool._POOL
    keypool.uninstall()
    CONF.clear_override('keygen_processes', group='conductor')
    CONF.clear_override('keygen_pool_size', group='conductor')


def test_install_makes_x509_take_keys_from_the_pool(installed):
    kind = keypool.current_kind(CONF)
    with installed._cond:  # the prefill's key, ready (the pool keeps one)
        assert installed._cond.wait_for(lambda: installed._ready[kind], timeout=keypool.WAIT)
        ready = installed._ready[kind][0]
    ca = x509.generate_ca('pooled')
    key = x509.load_private_key(ca.private_key)
    assert key.private_numbers() == keypool._load(ready).private_numbers()
    assert installed.served_ready == 1


def test_uninstall_puts_in_process_generation_back(installed):
    keypool.uninstall()
    try:
        assert keypool._POOL is None and x509._KEY_SOURCE is None
        assert isinstance(x509.generate_private_key(), rsa.RSAPrivateKey)
    finally:
        keypool.install(CONF)  # the fixture's uninstall balances this one


def test_a_failing_pool_falls_back_to_in_process_keys(installed):
    for worker in installed._workers:
        worker.proc.kill()
        worker.proc.wait()
    keys = [x509.generate_private_key() for _ in range(3)]  # none raises
    assert all(isinstance(key, rsa.RSAPrivateKey) for key in keys)
