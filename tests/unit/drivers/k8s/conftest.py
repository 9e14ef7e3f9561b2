"""Fixtures of the Kubernetes driver tests (``heat_python`` is in ``tests/unit/drivers``)."""
from __future__ import annotations

from tests.unit.drivers.conftest import ROOT  # noqa: F401  (the k8s tests read conftest.ROOT)
