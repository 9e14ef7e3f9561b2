"""What the API asks the cloud when it checks a create (``magnum_like.common.cloud``).

Against the simulator over HTTP, counting the requests it serves per service:
a second request within ``[api] cloud_cache_ttl`` is answered from the cache,
an expired entry is asked again (the cache's clock is the test's), images and
networks are remembered per project, public flavors by id for every project,
keypairs per user, the conductors' external-network id is asked every time,
and 0 turns the cache off. Each look-up is made once per request, and independent ones run
at the same time.
"""
from __future__ import annotations

import threading
import types

import pytest

from magnum_like.api.validation import cluster_template as rules
from magnum_like.cloudsim import store as store_mod
from magnum_like.common import cloud as cloud_mod
from magnum_like.common import exception
from tests.fixtures import api as api_fixture
from tests.fixtures import cloud as cloud_fixture

CONF = api_fixture.CONF
TEMPLATE = {'image_id': 'fedora-atomic-latest', 'flavor_id': 'm1.small',
            'master_flavor_id': 'm1.small', 'external_network_id': 'public'}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sim(cloud, monkeypatch):
    """The module's simulator, the service pointed at it; ``clock`` is the cache's."""
    overrides = cloud_fixture.endpoint_overrides(cloud.url)
    for (group, name), value in overrides.items():
        CONF.set_override(name, value, group=group)
    CONF.set_override('auth_strategy', 'noauth', group='api')
    clock = Clock()
    monkeypatch.setattr(cloud_mod.CACHE, 'clock', clock)
    yield types.SimpleNamespace(request_counts=cloud.request_counts, store=cloud.store,
                                clock=clock, faults=cloud.faults)
    for (group, name) in overrides:
        CONF.clear_override(name, group=group)
    CONF.clear_override('auth_strategy', group='api')
    CONF.clear_override('cloud_cache_ttl', group='api')


def check(project: str, values: dict | None = None) -> dict:
    """One request's checks of a template, as the project's member."""
    context = types.SimpleNamespace(project_id=project, auth_plugin=None)
    return rules.check_cloud_resources(dict(values or TEMPLATE),
                                       cloud_mod.get_cloud_resources(context))


def counts(sim) -> dict:
    seen = sim.request_counts()
    return {service: seen.get(service, 0) for service in ('image', 'compute', 'network')}


def asked(sim, before: dict) -> dict:
    after = counts(sim)
    return {service: after[service] - before[service] for service in before}


def test_a_second_request_is_answered_from_the_cache(sim):
    CONF.set_override('cloud_cache_ttl', 30, group='api')
    before = counts(sim)
    assert check('p1')['cluster_distro'] == 'fedora-atomic'
    first = asked(sim, before)
    # the same flavor twice in one request is asked once (by name: get, then list)
    assert first['image'] >= 1 and first['compute'] == 2 and first['network'] >= 1
    before = counts(sim)
    assert check('p1')['cluster_distro'] == 'fedora-atomic'
    # image, flavors and the external network from the cache
    assert asked(sim, before) == {'image': 0, 'compute': 0, 'network': 0}


def test_networks_and_subnets_are_remembered_per_project(sim):
    CONF.set_override('cloud_cache_ttl', 30, group='api')
    values = dict(TEMPLATE, fixed_network='private', fixed_subnet='private-subnet')
    check('p1', values)
    before = counts(sim)
    check('p1', values)
    assert asked(sim, before)['network'] == 0
    check('p2', values)   # another project may see other networks under these names
    assert asked(sim, before)['network'] >= 3


def test_keypairs_are_remembered_per_user_and_misses_asked_again(sim):
    CONF.set_override('cloud_cache_ttl', 30, group='api')
    with sim.store.lock:
        keypair = sim.store.new_keypair('cached-key', None, user_id='admin')
        sim.store.keypairs[store_mod.keypair_key('admin', 'cached-key')] = keypair

    def lookup(user: str, name: str) -> dict:
        context = types.SimpleNamespace(project_id='p1', user_id=user, auth_plugin=None)
        return cloud_mod.get_cloud_resources(context).get_keypair(name)

    assert lookup('u1', 'cached-key')['name'] == 'cached-key'
    before = counts(sim)
    assert lookup('u1', 'cached-key')['name'] == 'cached-key'
    assert asked(sim, before)['compute'] == 0
    lookup('u2', 'cached-key')   # another user's keypair of that name is another one
    assert asked(sim, before)['compute'] == 1
    for _ in range(2):
        with pytest.raises(exception.KeyPairNotFound):
            lookup('u1', 'no-such-key')
    assert asked(sim, before)['compute'] == 3


def test_the_conductors_external_network_id_is_asked_every_time(sim):
    CONF.set_override('cloud_cache_ttl', 30, group='api')
    context = types.SimpleNamespace(project_id='p1', auth_plugin=None)
    first = cloud_mod.external_network_id(context, 'public')
    before = counts(sim)
    assert cloud_mod.external_network_id(context, 'public') == first
    assert asked(sim, before)['network'] >= 1


def test_an_entry_expires_after_the_ttl(sim):
    CONF.set_override('cloud_cache_ttl', 5, group='api')
    check('p1')
    before = counts(sim)
    sim.clock.now += 4.9
    check('p1')
    assert asked(sim, before)['image'] == 0
    sim.clock.now += 0.2   # 5.1 s after the first look-up
    check('p1')
    changed = asked(sim, before)
    assert changed['image'] >= 1 and changed['compute'] >= 1


def test_images_are_remembered_per_project_public_flavors_by_id_for_all(sim):
    CONF.set_override('cloud_cache_ttl', 30, group='api')
    with sim.store.lock:
        by_id = next(fid for fid, f in sim.store.flavors.items() if f['name'] == 'm1.medium')
    values = dict(TEMPLATE, flavor_id=by_id, master_flavor_id='m1.small')
    check('p1', values)
    before = counts(sim)
    check('p2', values)
    again = asked(sim, before)
    # another project: its own image look-up, and the flavor named by name
    # (per project), but not the public flavor given by id
    assert again['image'] >= 1
    assert again['compute'] == 2   # m1.small by name: a get (404) and the list
    before = counts(sim)
    check('p2', dict(values, master_flavor_id=by_id))
    assert asked(sim, before)['compute'] == 0


def test_zero_turns_the_cache_off(sim):
    CONF.set_override('cloud_cache_ttl', 0, group='api')
    check('p1')
    before = counts(sim)
    check('p1')
    again = asked(sim, before)
    assert again['image'] >= 1 and again['compute'] == 2
    assert len(cloud_mod.CACHE) == 0


def test_misses_are_not_remembered(sim):
    CONF.set_override('cloud_cache_ttl', 30, group='api')
    with pytest.raises(exception.ImageNotFound):
        check('p1', dict(TEMPLATE, image_id='no-such-image'))
    before = counts(sim)
    with pytest.raises(exception.ImageNotFound):
        check('p1', dict(TEMPLATE, image_id='no-such-image'))
    assert asked(sim, before)['image'] >= 1


def test_independent_lookups_run_at_the_same_time():
    # Each call waits for the other one: they pass only if both run at once.
    barrier = threading.Barrier(2, timeout=30)
    assert cloud_mod.gather([(barrier.wait, ()), (barrier.wait, ())]) is not None


def test_gather_raises_the_first_failure_in_order():
    def fail(error):
        raise error
    first, second = exception.ImageNotFound(image_id='a'), exception.FlavorNotFound(flavor='b')
    with pytest.raises(exception.ImageNotFound):
        cloud_mod.gather([(fail, (first,)), (fail, (second,))])
    assert cloud_mod.gather([(str, (1,)), (str, (2,))]) == ['1', '2']


def test_the_cache_is_bounded():
    clock = Clock()
    cache = cloud_mod.TTLCache(clock=clock, size=3)
    for i in range(5):
        clock.now += 1
        cache.put(i, i, 10)
    assert len(cache) == 3 and cache.get(0) is None and cache.get(4) == 4


def test_remembered_look_ups_are_answered_without_the_pool(sim, monkeypatch):
    CONF.set_override('cloud_cache_ttl', 30, group='api')
    check('p1')
    submitted = []
    pool = cloud_mod.pool()
    real_submit = pool.submit
    monkeypatch.setattr(pool, 'submit', lambda *a, **k: submitted.append(a) or real_submit(*a, **k))
    before = counts(sim)
    assert check('p1')['cluster_distro'] == 'fedora-atomic'
    assert submitted == [] and asked(sim, before) == {'image': 0, 'compute': 0, 'network': 0}
    # a miss among hits still goes to the cloud (alone: in the caller's thread)
    check('p1', dict(TEMPLATE, fixed_network='private'))
    assert submitted == [] and asked(sim, before)['network'] == 1


@pytest.mark.parametrize('status, says', [(401, "refused the caller's token"),
                                          (403, 'does not let the caller read')])
def test_a_refusing_service_is_named_with_the_reason(sim, status, says):
    sim.faults.add('api', service='image', status=status, count=1)
    with pytest.raises(exception.AuthorizationFailure) as caught:
        check('p1')
    message = str(caught.value)
    assert message.startswith('Glance answered HTTP %d: ' % status), message
    assert says in message
