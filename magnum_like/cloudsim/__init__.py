"""The built-in cloud simulator (Heat, Barbican, Nova, Glance, Neutron, Octavia).

Self-contained: it imports nothing from the rest of ``magnum_like``.  See
``README.rst`` in this package.  Typical test use::

    from magnum_like.cloudsim import Simulator
    with Simulator(port=0) as sim:
        sim.endpoints["orchestration"]   # http://127.0.0.1:PORT/orchestration/v1/%(project_id)s
        sim.faults.add_resource_failure("OS::Nova::Server", reason="No valid host")
"""

from magnum_like.cloudsim.faults import Faults
from magnum_like.cloudsim.server import PREFIXES, Simulator

__all__ = ["Faults", "PREFIXES", "Simulator"]
