"""``magnum-like-cloudsim``: run the simulator on its own."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from typing import Optional

from magnum_like.cloudsim.catalog import CatalogError
from magnum_like.cloudsim.server import Simulator, default_state_path


def _delay(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not sep or not name or seconds < 0:
        raise argparse.ArgumentTypeError("expected TYPE=SECONDS, got %r" % text)
    return name, seconds


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="magnum-like-cloudsim",
        description="Serve simulated Heat, Barbican, Nova, Glance, Neutron and Octavia "
                    "APIs on one loopback port.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    parser.add_argument("--state-file", help="SQLite file keeping state across restarts")
    parser.add_argument("--state-dir", help="directory for the state file (cloudsim.sqlite)")
    parser.add_argument("--catalog", help="YAML file replacing the default catalog")
    parser.add_argument("--delay", action="append", type=_delay, default=[],
                        metavar="TYPE=SECONDS", help="seconds a resource type takes")
    parser.add_argument("--default-delay", type=float, default=0.0,
                        help="seconds every other resource type takes")
    parser.add_argument("--notify-url", help="oslo.messaging transport URL for Heat "
                                             "notifications")
    parser.add_argument("--notify-topic", default="notifications",
                        help="topic of the notifications (default, like Heat's and like "
                             "magnum_like's [conductor] heat_notifications_topic: "
                             "notifications)")
    parser.add_argument("--notify-exchange", default="heat",
                        help="exchange of the notifications (default, like Heat's and like "
                             "[conductor] heat_notifications_exchange: heat)")
    parser.add_argument("--keystone-url",
                        help="Keystone that validates X-Auth-Token, so Nova keypairs belong "
                             "to the token's user (default: X-User-Id, else user admin)")
    parser.add_argument("--debug", action="store_true")
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """Run until SIGINT/SIGTERM; prints the endpoint map as JSON when ready."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING)
    state_file = args.state_file
    if state_file is None and args.state_dir:
        os.makedirs(args.state_dir, exist_ok=True)
        state_file = default_state_path(args.state_dir)
    try:
        sim = Simulator(args.host, args.port, state_file=state_file, catalog=args.catalog,
                        delays=dict(args.delay), default_delay=args.default_delay,
                        notify_url=args.notify_url, notify_topic=args.notify_topic,
                        notify_exchange=args.notify_exchange,
                        keystone_url=args.keystone_url)
        sim.start()
    except (CatalogError, OSError, ValueError) as exc:
        print("magnum-like-cloudsim: %s" % exc, file=sys.stderr)
        return 2
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    print(json.dumps({"url": sim.url, "endpoints": sim.endpoints}), flush=True)
    done.wait()
    sim.stop()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
