"""Fixtures every functional package shares.

``admin``/``member``/``other``/``reader`` are API clients acting as those
identities against whatever ``api_server`` the requesting package defines.
"""
from __future__ import annotations

import pytest

from tests.fixtures import api as api_fixture


@pytest.fixture
def admin(api_server):
    return api_server.client(api_fixture.ADMIN)


@pytest.fixture
def member(api_server):
    return api_server.client(api_fixture.MEMBER)


@pytest.fixture
def other(api_server):
    return api_server.client(api_fixture.OTHER_MEMBER)


@pytest.fixture
def reader(api_server):
    return api_server.client(api_fixture.READER)
