"""Fixtures: a simulator on a free loopback port and the real client libraries."""

from __future__ import annotations

from typing import Iterator

import pytest
from heatclient import client as heat_client
from keystoneauth1 import adapter, session, token_endpoint

from magnum_like.cloudsim import Simulator

PROJECT = "3f5b8c1e0a9d4e7b9c2d1a0b4e6f8a7c"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A fresh simulator (zero delays, in-memory state)."""
    simulator = Simulator(port=0).start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def ks_session(sim: Simulator) -> session.Session:
    """A keystoneauth session with a static token (the simulator ignores it)."""
    return session.Session(auth=token_endpoint.Token(sim.url, "any-token"))


@pytest.fixture
def heat(sim: Simulator, ks_session: session.Session):  # type: ignore[no-untyped-def]
    """python-heatclient pointed at the simulated Heat."""
    return heat_client.Client("1", session=ks_session, endpoint=sim.heat_endpoint(PROJECT))


def service_adapter(sim: Simulator, sess: session.Session, service: str) -> adapter.Adapter:
    """A keystoneauth Adapter for one simulated service."""
    return adapter.Adapter(sess, endpoint_override=sim.endpoints[service],
                           raise_exc=False)
