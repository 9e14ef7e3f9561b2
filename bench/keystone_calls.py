"""What a cluster create waits for in Keystone, with and without Keystone's own cache.

Starts the project's Keystone (``magnum_like.devcloud.keystone``: 4 processes
of one thread, on a MariaDB database of its own) twice, first without a cache
(Keystone's default), then with ``[cache] backend = oslo_cache.memcache_pool``
on a private ``memcached``, as Keystone's install guides set it up. Against
each it times, one after the other, the three Keystone calls around a cluster
create: the owner's trust to a trustee (with the owner's project token), the
domain admin's user update (a spare's rename) and a user read, ``--calls``
times each after ``--warmup`` untimed rounds, and prints the medians. Figures
are printed, never asserted::

    python bench/keystone_calls.py [--calls 40] [--warmup 5]
"""
from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _measure(url: str, calls: int, warmup: int) -> dict[str, float]:
    from keystoneauth1.identity import v3
    from keystoneauth1 import session as ks_session
    from keystoneclient.v3 import client as ks_client
    admin = ks_client.Client(session=ks_session.Session(auth=v3.Password(
        auth_url=url, username='admin', password='admin-secret', project_name='admin',
        user_domain_id='default', project_domain_id='default')))
    roles = {r.name: r for r in admin.roles.list()}
    project = admin.projects.create('bench', domain='default')
    owner = admin.users.create('owner', domain='default', password='owner-secret')
    admin.roles.grant(roles['member'], user=owner, project=project)
    trustee = admin.users.create('trustee', domain='default', password='trustee-secret')
    owner_client = ks_client.Client(session=ks_session.Session(auth=v3.Password(
        auth_url=url, user_id=owner.id, password='owner-secret', project_id=project.id)))
    timed: dict[str, list[float]] = {'trusts.create': [], 'users.update': [], 'users.get': []}
    calls_by_name = {
        'trusts.create': lambda i: owner_client.trusts.create(
            trustor_user=owner.id, trustee_user=trustee.id, project=project.id,
            role_names=['member'], impersonation=True),
        'users.update': lambda i: admin.users.update(trustee.id, description='round %d' % i),
        'users.get': lambda i: admin.users.get(trustee.id),
    }
    for i in range(warmup + calls):
        for name, call in calls_by_name.items():
            started = time.perf_counter()
            call(i)
            if i >= warmup:
                timed[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) * 1000 for name, values in timed.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--calls', type=int, default=40)
    parser.add_argument('--warmup', type=int, default=5)
    args = parser.parse_args()
    from magnum_like.devcloud import keystone as devcloud_keystone
    from tests.fixtures import database
    port = devcloud_keystone.free_port()
    memcached = subprocess.Popen(
        ['memcached', '-l', '127.0.0.1', '-p', str(port), '-U', '0', '-m', '64',
         *(['-u', 'root'] if os.getuid() == 0 else [])],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = {}
    try:
        for label, servers in (('no cache', ()), ('memcached', ('127.0.0.1:%d' % port,))):
            db_url = database.provision_database('mysql')
            server = devcloud_keystone.KeystoneServer(None, db_url=db_url,
                                                      cache_servers=servers)
            try:
                server.start()
                results[label] = _measure(server.url, args.calls, args.warmup)
            finally:
                server.stop()
                database.drop_database(db_url)
    finally:
        memcached.terminate()
        memcached.wait()
    print('Keystone calls of a cluster create, median ms over %d calls each (%s UTC, load '
          'average %.1f)' % (args.calls, datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M'),
                             os.getloadavg()[0]))
    names = list(next(iter(results.values())))
    print('%-14s %10s %10s' % ('call', *results))
    for name in names:
        print('%-14s %10.1f %10.1f' % (name, *(results[label][name] for label in results)))


if __name__ == '__main__':
    main()
