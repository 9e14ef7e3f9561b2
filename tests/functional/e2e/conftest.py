"""Each e2e test module gets its own ``magnum-like-dev`` in a temporary state dir."""
from __future__ import annotations

import pytest

from tests.functional.e2e import helpers


@pytest.fixture
def dev(tmp_path):
    running = helpers.start_dev(tmp_path)
    try:
        yield running
    finally:
        running.stop()
