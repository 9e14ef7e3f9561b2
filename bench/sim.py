"""Simulator throughput: a 10-node vs a 1000-node Kubernetes-shaped cluster stack.

Runs the simulator in-process at zero delay, creates stacks through the real
python-heatclient and reports, per size, stacks/second from create to
CREATE_COMPLETE, CPU seconds per stack (``time.process_time`` of this whole
process: simulator plus client), and the ratio between the sizes next to the
ratio of resource counts (linear cost means the two ratios are close).
Prints figures only; it asserts nothing.

Usage: python bench/sim.py [--repeat N]
"""

from __future__ import annotations

import argparse
import time

from heatclient import client as heat_client
from keystoneauth1 import session, token_endpoint

from magnum_like.cloudsim import Simulator
from magnum_like.cloudsim.samples import cluster_stack_fields


def _run(sim: Simulator, heat, nodes: int, repeat: int) -> tuple[float, float, int]:
    wall = cpu = 0.0
    resources = 0
    for i in range(repeat):
        name = "bench-%d-%d" % (nodes, i)
        fields = cluster_stack_fields(1, nodes, fixed_subnet_cidr="10.0.0.0/16")
        cpu0, wall0 = time.process_time(), time.perf_counter()
        heat.stacks.create(stack_name=name, **fields)
        status = sim.wait_stack(name, timeout=600)
        wall += time.perf_counter() - wall0
        cpu += time.process_time() - cpu0
        if status != "CREATE_COMPLETE":
            raise SystemExit("%s ended %s: %s" % (name, status, sim.find_stack(name).reason))
        resources = sim.state()["resources"]
        heat.stacks.delete(name)
        sim.wait_stack(name, timeout=600)
    return repeat / wall, cpu / repeat, resources


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with Simulator(port=0) as sim:
        sess = session.Session(auth=token_endpoint.Token(sim.url, "bench"))
        heat = heat_client.Client("1", session=sess, endpoint=sim.heat_endpoint("bench"))
        _run(sim, heat, 10, 1)  # warm-up
        small = _run(sim, heat, 10, args.repeat)
        large = _run(sim, heat, 1000, max(1, args.repeat // 3 or 1))
    for nodes, (rate, cpu, res) in ((10, small), (1000, large)):
        print("%5d nodes: %6d resources  %8.2f stacks/s  %7.3f CPU s/stack  %6.1f us CPU/resource"
              % (nodes, res, rate, cpu, cpu / res * 1e6))
    print("CPU ratio 1000/10: %.1fx   resource ratio: %.1fx   (linear => similar)"
          % (large[1] / small[1], large[2] / small[2]))


if __name__ == "__main__":
    main()
