"""Unit tests of the fault registry."""

import pytest

from magnum_like.cloudsim.faults import FaultError, Faults


def test_resource_fault_glob_and_count() -> None:
    faults = Faults()
    faults.add_resource_failure("OS::Nova::*", action="create", reason="boom", count=1)
    assert faults.resource_failure("OS::Nova::Server", "update") is None
    assert faults.resource_failure("OS::Nova::Server", "create") == "boom"
    assert faults.resource_failure("OS::Nova::Server", "create") is None


def test_api_fault_per_service() -> None:
    faults = Faults()
    faults.add_api_fault(status=503, count=2, service="compute", delay=0)
    assert faults.api_fault("image") is None
    assert faults.api_fault("compute") == (0.0, 503)
    assert faults.api_fault("compute") == (0.0, 503)
    assert faults.api_fault("compute") is None


def test_hang_and_invalid() -> None:
    faults = Faults()
    fid = faults.add_hang("stuck-*")
    assert faults.stack_hangs("stuck-1") and not faults.stack_hangs("ok")
    assert faults.remove(fid) and not faults.stack_hangs("stuck-1")
    with pytest.raises(FaultError):
        faults.add("bogus")
    with pytest.raises(FaultError):
        faults.add("api", status="x")


def test_node_and_coe_api_faults() -> None:
    faults = Faults()
    changes = []
    faults.on_change(lambda: changes.append(1))
    node = faults.add("node", server="demo-*-node-1", condition="NotReady")
    api = faults.add("coe_api", cluster="demo-*")
    assert faults.node_condition("demo-ab12-node-1") == "NotReady"
    assert faults.node_condition("demo-ab12-node-0") is None
    assert faults.coe_api_down("uuid-1", "demo-ab12") and not faults.coe_api_down("web-1")
    assert faults.remove(node) and faults.remove(api) and len(changes) == 4
    assert faults.node_condition("demo-ab12-node-1") is None
    for kind, spec, named in (("node", {}, "server"),
                              ("node", {"server": "x", "condition": "Sick"}, "condition"),
                              ("coe_api", {"cluster": ""}, "cluster")):
        with pytest.raises(FaultError, match=named):
            faults.add(kind, **spec)
