"""Where a request's time goes with Keystone on: cProfile of the deployed app, in-process.

Starts what ``bench/api.py --keystone`` starts (``bench/api_keystone.py``:
Keystone, memcached, the simulator, MariaDB, a RabbitMQ vhost), loads the
keystone-mode configuration into this process, builds the WSGI app as a worker
does, and calls it directly (no HTTP server, no other client) ``--calls`` times
per scenario after one warm-up call, first plainly (timed), then under cProfile. Prints the top functions
by cumulative and by own time for each scenario.

    .venv/bin/python bench/api_profile.py [--calls 200] [--scenario 'GET clusters (10)']
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_keystone  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--calls', type=int, default=200)
    parser.add_argument('--scenario', action='append', default=[])
    parser.add_argument('--top', type=int, default=25)
    parser.add_argument('--spares', type=int, default=0,
                        help='[trust] trustee_spares, kept by the conductors\' spare pass; '
                             "'POST cluster' waits for a pool of 2 x --calls + 1 (at most 200) "
                             'before it starts (default 0: every create makes its user inline)')
    args = parser.parse_args()
    stack = api_keystone.Stack()
    stack.spares_line = 'trustee_spares = %d\n' % args.spares
    try:
        stack.start()
        seeded = stack.seed()
        bare_url = stack.api('bare')
        if args.spares:
            stack.spare_refiller()
        stack.seed_clusters(bare_url, seeded['bench'][0], 10)
        from magnum_like import conf as ml_conf
        from magnum_like.api import app as api_app
        from magnum_like.common import rpc
        import webob
        ml_conf.CONF(['--config-file', stack.config('keystone')], project='magnum_like')
        rpc.init(ml_conf.CONF)
        app = api_app.setup_app()
        tokens = {who: stack.token(who) for who in ('bench', 'big')}
        paths = {
            'GET one template': ('GET', '/v1/clustertemplates/' + seeded['bench'][1], 'bench',
                                 None),
            'GET templates (10)': ('GET', '/v1/clustertemplates', 'bench', None),
            'GET clusters (10)': ('GET', '/v1/clusters', 'bench', None),
            'GET 1000 templates (limit=1000)': ('GET', '/v1/clustertemplates?limit=1000', 'big',
                                                None),
            'POST template': ('POST', '/v1/clustertemplates', 'bench', {
                'coe': 'kubernetes', 'image_id': 'fedora-atomic-latest',
                'flavor_id': 'm1.small', 'master_flavor_id': 'm1.medium',
                'external_network_id': 'public', 'fixed_network': 'private',
                'fixed_subnet': 'private-subnet', 'keypair_id': 'benchkey'}),
            'POST cluster': ('POST', '/v1/clusters', 'bench', {
                'cluster_template_id': seeded['bench'][0], 'node_count': 1,
                'keypair': 'benchkey', 'flavor_id': 'm1.medium'}),
        }
        counter = [0]

        def call(method, path, who, body):
            counter[0] += 1
            req = webob.Request.blank(path, method=method, headers=dict(
                api_keystone.bench_api.HEADERS, **{'X-Auth-Token': tokens[who]}))
            if body is not None:
                req.body = json.dumps(dict(body, name='prof-%d' % counter[0])).encode()
            resp = req.get_response(app)
            assert resp.status_int < 300, (path, resp.status, resp.text[:500])
            return resp.body

        for name in args.scenario or list(paths):
            method, path, who, body = paths[name]
            if name == 'POST cluster' and args.spares:
                wanted = min(args.spares, 2 * args.calls + 1)
                api_keystone._wait(lambda: stack.spare_count() >= wanted, 600,
                                   '%d spare trustee users' % wanted)
            call(method, path, who, body)  # warm-up: token validated and cached, imports
            started = time.perf_counter()
            for _ in range(args.calls):
                call(method, path, who, body)
            plain = (time.perf_counter() - started) / args.calls * 1000
            profile = cProfile.Profile()
            started = time.perf_counter()
            profile.enable()
            for _ in range(args.calls):
                call(method, path, who, body)
            profile.disable()
            wall = (time.perf_counter() - started) / args.calls * 1000
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out).strip_dirs()
            stats.sort_stats('cumulative').print_stats(args.top)
            stats.sort_stats('tottime').print_stats(args.top)
            print('=' * 100)
            print('%s: %.2f ms per call without the profiler, %.2f ms under it (%d calls each)'
                  % (name, plain, wall, args.calls))
            print(out.getvalue())
    finally:
        stack.stop()


if __name__ == '__main__':
    main()
