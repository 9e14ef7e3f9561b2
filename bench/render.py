#!/usr/bin/env python3
"""Time to render a Kubernetes stack-create body for 1 and for 1000 workers.

The worker count is a ResourceGroup count, so the body should not grow with
the cluster: the goal is a 1000-worker render within 20% of a 1-worker one.
Run: python bench/render.py [repeats]
"""
from __future__ import annotations

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from magnum_like.drivers.k8s_fedora_atomic_v1 import driver as atomic_driver  # noqa: E402
from tests.unit.drivers.k8s import fakes  # noqa: E402


def measure(workers: int, repeats: int) -> tuple[float, int]:
    driver = atomic_driver.Driver()
    view = fakes.make_view(workers=workers, masters=3, lb=True, volumes=True)
    driver.create_stack_body(view)  # warm the template cache
    start = time.perf_counter()
    for _ in range(repeats):
        body = driver.create_stack_body(view)
    elapsed = (time.perf_counter() - start) / repeats
    return elapsed, len(json.dumps(body))


def main() -> int:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    one, one_size = measure(1, repeats)
    many, many_size = measure(1000, repeats)
    ratio = many / one
    print('render 1 worker:     %8.1f us/body  %7d bytes' % (one * 1e6, one_size))
    print('render 1000 workers: %8.1f us/body  %7d bytes' % (many * 1e6, many_size))
    print('ratio 1000/1: %.2f (goal <= 1.20): %s' % (ratio, 'OK' if ratio <= 1.2 else 'SLOW'))
    return 0 if ratio <= 1.2 else 1


if __name__ == '__main__':
    sys.exit(main())
