"""Simulated Heat driven by the real python-heatclient."""

from __future__ import annotations

import pytest
from heatclient import exc as heat_exc

from magnum_like.cloudsim import Simulator
from magnum_like.cloudsim.samples import cluster_stack_fields

SIMPLE = """
heat_template_version: wallaby
parameters:
  size: {type: number, default: 1, constraints: [{range: {min: 1, max: 10}}]}
  flavor: {type: string, default: m1.small}
resources:
  value: {type: OS::Heat::Value, properties: {value: {get_param: size}}}
  rand: {type: OS::Heat::RandomString, properties: {length: 8}}
outputs:
  doubled: {value: {list_join: ["-", [{get_attr: [value, value]}, {get_attr: [value, value]}]]}}
  rand_len: {value: {get_attr: [rand, value]}}
"""


def _create(heat, sim: Simulator, name: str, **fields) -> str:  # type: ignore[no-untyped-def]
    heat.stacks.create(stack_name=name, **fields)
    return sim.wait_stack(name)


def test_create_show_list_delete(heat, sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    body = heat.stacks.create(stack_name="s1", template=SIMPLE, parameters={"size": 3},
                              tags="t1,t2", timeout_mins=10, disable_rollback=True)
    assert body["stack"]["id"] and body["stack"]["links"][0]["rel"] == "self"
    assert sim.wait_stack("s1") == "CREATE_COMPLETE"
    stack = heat.stacks.get("s1")
    assert stack.stack_status == "CREATE_COMPLETE"
    assert stack.stack_status_reason == "Stack CREATE completed successfully"
    assert stack.parameters["size"] == "3" and stack.parameters["OS::stack_name"] == "s1"
    outputs = {o["output_key"]: o["output_value"] for o in stack.outputs}
    assert outputs["doubled"] == "3-3" and len(outputs["rand_len"]) == 8
    assert stack.tags == ["t1", "t2"] and stack.parent is None
    assert heat.stacks.get(stack.id).stack_name == "s1"
    assert not hasattr(heat.stacks.get("s1", resolve_outputs=False), "outputs")
    _create(heat, sim, "s2", template=SIMPLE)
    names = sorted(s.stack_name for s in heat.stacks.list())
    assert names == ["s1", "s2"]
    assert [s.stack_name for s in heat.stacks.list(filters={"name": "s2"})] == ["s2"]
    assert [s.stack_name for s in heat.stacks.list(filters={"id": stack.id})] == ["s1"]
    assert [s.stack_name for s in heat.stacks.list(tags="t1")] == ["s1"]
    assert len(list(heat.stacks.list(filters={"status": "CREATE_COMPLETE"}))) == 2
    assert len(list(heat.stacks.list(limit=1))) == 1
    first = list(heat.stacks.list(limit=1))[0]
    rest = list(heat.stacks.list(marker=first.id))
    assert [s.id for s in rest] == [s.id for s in heat.stacks.list()][1:]
    heat.stacks.delete("s1")
    assert sim.wait_stack("s1") == "NOT_FOUND"
    with pytest.raises(heat_exc.HTTPNotFound):
        heat.stacks.get("s1")


def test_template_environment_files_outputs_events(heat, sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    fields = cluster_stack_fields(1, 2)
    assert _create(heat, sim, "c1", **fields) == "CREATE_COMPLETE"
    assert heat.stacks.template("c1")["heat_template_version"] == "queens"
    env = heat.stacks.environment("c1")
    assert env["resource_registry"]["Magnum::Optional::FloatingIP"] == "OS::Neutron::FloatingIP"
    assert set(heat.stacks.files("c1")) >= {"kubemaster.yaml", "kubeminion.yaml"}
    keys = {o["output_key"] for o in heat.stacks.output_list("c1")["outputs"]}
    assert {"api_address", "kube_minions", "kube_masters_private"} <= keys
    out = heat.stacks.output_show("c1", "kube_minions_private")["output"]
    assert len(out["output_value"]) == 2 and out["output_value"][0].startswith("10.0.")
    events = list(heat.events.list("c1"))
    assert events and events[-1].resource_status == "CREATE_COMPLETE"
    assert list(heat.events.list("c1", resource_name="kube_masters"))


def test_resources_nested_depth_filters_and_mark_unhealthy(heat, sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    assert _create(heat, sim, "c2", **cluster_stack_fields(2, 3)) == "CREATE_COMPLETE"
    top = heat.resources.list("c2")
    assert {"kube_masters", "kube_minions", "api_lb", "network"} <= {r.resource_name for r in top}
    servers = heat.resources.list("c2", nested_depth=2, filters={"type": "OS::Nova::Server"})
    assert len(servers) == 5
    assert {s.parent_resource for s in servers} == {"0", "1", "2"}
    members = heat.resources.list("c2", nested_depth=1, filters={"name": "kube_minions"})
    assert len(members) == 1
    res = heat.resources.get("c2", "kube_minions")
    assert len(res.attributes["refs"]) == 3
    assert any(link["rel"] == "nested" for link in res.links)
    heat.resources.mark_unhealthy("c2", "api_lb", True, "it broke")
    failed = heat.resources.list("c2", filters={"status": "CHECK_FAILED"})
    assert [r.resource_name for r in failed] == ["api_lb"]
    # Octavia and Nova see what the stack created.
    counts = sim.state()["counts"]
    assert counts["servers"] == 5 and counts["loadbalancers"] == 1
    heat.stacks.delete("c2")
    assert sim.wait_stack("c2") == "NOT_FOUND"
    counts = sim.state()["counts"]
    for table in ("servers", "ports", "floatingips", "loadbalancers", "volumes", "routers"):
        assert counts[table] == 0, table
    assert counts["networks"] == 2 and counts["subnets"] == 2  # the seeded ones


def test_patch_existing_scale_up_and_remove_by_index_and_server_id(heat, sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    assert _create(heat, sim, "c3", **cluster_stack_fields(1, 3)) == "CREATE_COMPLETE"
    ids = heat.stacks.output_show("c3", "minion_ids")["output"]["output_value"]
    heat.stacks.update("c3", existing=True, parameters={"number_of_minions": 5})
    assert sim.wait_stack("c3") == "UPDATE_COMPLETE"
    stack = heat.stacks.get("c3")
    assert stack.parameters["number_of_minions"] == "5"
    assert stack.parameters["number_of_masters"] == "1"  # kept by PATCH
    new_ids = heat.stacks.output_show("c3", "minion_ids")["output"]["output_value"]
    assert new_ids[:3] == ids and len(new_ids) == 5
    # Remove by server id (the autoscaler path) and by index.
    heat.stacks.update("c3", existing=True, parameters={
        "number_of_minions": 3, "minions_to_remove": [ids[1], "3"]})
    assert sim.wait_stack("c3") == "UPDATE_COMPLETE"
    remaining = heat.stacks.output_show("c3", "minion_ids")["output"]["output_value"]
    assert ids[1] not in remaining and new_ids[3] not in remaining
    assert remaining == [ids[0], ids[2], new_ids[4]]
    assert sim.state()["counts"]["servers"] == 4
    # Removed names are not reused when scaling up again.
    heat.stacks.update("c3", existing=True, parameters={"number_of_minions": 4,
                                                        "minions_to_remove": []})
    assert sim.wait_stack("c3") == "UPDATE_COMPLETE"
    members = {r.resource_name for r in heat.resources.list("c3", nested_depth=1)
               if getattr(r, "parent_resource", None) == "kube_minions"}
    assert members == {"0", "2", "4", "5"}
    # Scale down without a list removes the highest index.
    heat.stacks.update("c3", existing=True, parameters={"number_of_minions": 2})
    assert sim.wait_stack("c3") == "UPDATE_COMPLETE"
    members = {r.resource_name for r in heat.resources.list("c3", nested_depth=1)
               if getattr(r, "parent_resource", None) == "kube_minions"}
    assert members == {"0", "2"}


def test_rolling_update_batches(heat, sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    fields = cluster_stack_fields(1, 5, update_max_batch_size=2)
    assert _create(heat, sim, "c4", **fields) == "CREATE_COMPLETE"
    heat.stacks.update("c4", existing=True, parameters={"kube_tag": "v1.24.0"})
    assert sim.wait_stack("c4") == "UPDATE_COMPLETE"
    batches = sim.rolling_batches(stack="c4", resource="kube_minions")
    assert [b["size"] for b in batches] == [2, 2, 1]
    assert all(b["size"] <= 2 for b in batches)
    assert sorted(n for b in batches for n in b["batch"]) == ["0", "1", "2", "3", "4"]
    servers = [s for s in sim.store.servers.values() if "-node-" in s["name"]]
    assert {s["metadata"]["kube_tag"] for s in servers} == {"v1.24.0"}


def test_put_update_and_patch_with_new_template(heat, sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    assert _create(heat, sim, "s3", template=SIMPLE, parameters={"size": 2}) == "CREATE_COMPLETE"
    heat.stacks.update("s3", template=SIMPLE, parameters={})
    assert sim.wait_stack("s3") == "UPDATE_COMPLETE"
    assert heat.stacks.get("s3").parameters["size"] == "1"  # PUT drops old parameters
    new = SIMPLE.replace("  rand:", "  extra: {type: OS::Heat::None}\n  rand:")
    heat.stacks.update("s3", existing=True, template=new, parameters={"size": 4})
    assert sim.wait_stack("s3") == "UPDATE_COMPLETE"
    assert "extra" in {r.resource_name for r in heat.resources.list("s3")}
    heat.stacks.update("s3", existing=True, template=SIMPLE)
    assert sim.wait_stack("s3") == "UPDATE_COMPLETE"
    assert "extra" not in {r.resource_name for r in heat.resources.list("s3")}


def test_nested_via_resource_registry(heat, sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    top = """
heat_template_version: 2016-10-14
resources:
  inner: {type: My::Inner, properties: {word: hello}}
outputs:
  said: {value: {get_attr: [inner, said]}}
  ref: {value: {get_resource: inner}}
"""
    inner = """
heat_template_version: 2016-10-14
parameters: {word: {type: string}}
resources:
  v: {type: OS::Heat::Value, properties: {value: {str_replace: {template: W!, params: {W: {get_param: word}}}}}}
outputs:
  said: {value: {get_attr: [v, value]}}
"""
    env = {"resource_registry": {"My::Inner": "file:///tmp/inner.yaml"}}
    assert _create(heat, sim, "n1", template=top, files={"file:///tmp/inner.yaml": inner},
                   environment=env) == "CREATE_COMPLETE"
    outputs = {o["output_key"]: o["output_value"] for o in heat.stacks.get("n1").outputs}
    assert outputs["said"] == "hello!"
    nested = [s for s in heat.stacks.list(show_nested=True) if s.parent]
    assert outputs["ref"] == nested[0].id


@pytest.mark.parametrize("params,message", [
    ({"size": 99}, "out of range"),
    ({"bogus": 1}, "was not defined in template"),
])
def test_parameter_validation_errors(heat, params, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(heat_exc.HTTPBadRequest) as err:
        heat.stacks.create(stack_name="bad", template=SIMPLE, parameters=params)
    assert message in str(err.value)


def test_required_parameter_missing_and_error_shape(sim: Simulator, heat, ks_session) -> None:  # type: ignore[no-untyped-def]
    tpl = "heat_template_version: queens\nparameters: {x: {type: string}}\nresources: {}\n"
    with pytest.raises(heat_exc.HTTPBadRequest, match=r"The Parameter \(x\) was not provided"):
        heat.stacks.create(stack_name="bad", template=tpl)
    resp = ks_session.get(sim.heat_endpoint("p") + "/stacks/nope", raise_exc=False)
    body = resp.json()
    assert resp.status_code == 404 and body["code"] == 404 and body["title"] == "Not Found"
    assert body["error"]["type"] == "EntityNotFound" and body["error"]["traceback"] is None
    resp = ks_session.post(sim.heat_endpoint("p") + "/stacks", data=b"{not json",
                           headers={"Content-Type": "application/json"}, raise_exc=False)
    assert resp.status_code == 400 and resp.json()["error"]["traceback"] is None
    with pytest.raises(heat_exc.HTTPConflict):
        heat.stacks.create(stack_name="dup", template=SIMPLE)
        heat.stacks.create(stack_name="dup", template=SIMPLE)


def test_validate(heat) -> None:  # type: ignore[no-untyped-def]
    result = heat.stacks.validate(template=SIMPLE)
    assert result["Parameters"]["size"]["Type"] == "Number"
    with pytest.raises(heat_exc.HTTPBadRequest):
        heat.stacks.validate(template="heat_template_version: 1999-01-01\n")


def test_unsupported_type_and_function_fail_the_stack(heat, sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    tpl = "heat_template_version: queens\nresources:\n  x: {type: OS::Foo::Bar}\n"
    assert _create(heat, sim, "u1", template=tpl) == "CREATE_FAILED"
    reason = heat.stacks.get("u1").stack_status_reason
    assert "OS::Foo::Bar" in reason and "could not be found" in reason
    tpl = ("heat_template_version: queens\nresources:\n  v: {type: OS::Heat::Value, "
           "properties: {value: {yaql: {expression: '1'}}}}\n")
    assert _create(heat, sim, "u2", template=tpl) == "CREATE_FAILED"
    assert "yaql" in heat.stacks.get("u2").stack_status_reason


def test_resource_fault_reason_in_nested_member(heat, sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    sim.faults.add_resource_failure("OS::Nova::Server", reason="No valid host was found.")
    assert _create(heat, sim, "f1", **cluster_stack_fields(1, 1)) == "CREATE_FAILED"
    reason = heat.stacks.get("f1").stack_status_reason
    assert reason.startswith("Resource CREATE failed: ")
    assert "kube_masters.resources[0].resources.kube-master: No valid host was found." in reason
    failed = heat.resources.list("f1", nested_depth=2, filters={"status": "FAILED"})
    assert "kube-master" in {r.resource_name for r in failed}


def test_update_and_delete_faults(heat, sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    assert _create(heat, sim, "f2", **cluster_stack_fields(1, 1)) == "CREATE_COMPLETE"
    sim.faults.add_resource_failure("OS::Nova::Server", action="update", reason="resize failed")
    heat.stacks.update("f2", existing=True, parameters={"minion_flavor": "m1.large"})
    assert sim.wait_stack("f2") == "UPDATE_FAILED"
    assert "resize failed" in heat.stacks.get("f2").stack_status_reason
    sim.faults.clear()
    sim.faults.add_resource_failure("OS::Octavia::LoadBalancer", action="delete",
                                    reason="LB busy", count=1)
    heat.stacks.delete("f2")
    assert sim.wait_stack("f2") == "DELETE_FAILED"
    heat.stacks.delete("f2")  # the fault was spent: the retry succeeds
    assert sim.wait_stack("f2") == "NOT_FOUND"


def test_hang_and_timeout(heat, sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    sim.faults.add_hang("stuck")
    heat.stacks.create(stack_name="stuck", template=SIMPLE, timeout_mins=0.005)
    assert sim.wait_stack("stuck", timeout=0.2) == "CREATE_IN_PROGRESS"
    assert sim.wait_stack("stuck", timeout=5) == "CREATE_FAILED"
    assert heat.stacks.get("stuck").stack_status_reason == "Create timed out"


def test_timeout_with_slow_resource(heat, sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    sim.engine.delays["OS::Heat::RandomString"] = 5.0
    heat.stacks.create(stack_name="slow", template=SIMPLE, timeout_mins=0.003)
    assert sim.wait_stack("slow", timeout=5) == "CREATE_FAILED"
    stack = heat.stacks.get("slow")
    assert stack.stack_status_reason == "Create timed out"


def _stack_of(resource) -> str:  # type: ignore[no-untyped-def]
    return next(link["href"] for link in resource.links
                if link["rel"] == "stack").rstrip("/").rsplit("/", 1)[-1]


def test_mark_unhealthy_then_update_replaces_the_server(heat, sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    # magnum-auto-healer's path: mark the node's server resource (in its member
    # stack) unhealthy, then PATCH the cluster's stack with nothing changed.
    assert _create(heat, sim, "c9", **cluster_stack_fields(1, 3)) == "CREATE_COMPLETE"
    ids = heat.stacks.output_show("c9", "minion_ids")["output"]["output_value"]
    servers = heat.resources.list("c9", nested_depth=2, filters={"type": "OS::Nova::Server"})
    sick = next(r for r in servers if r.physical_resource_id == ids[1])
    member = heat.stacks.get(_stack_of(sick))
    heat.resources.mark_unhealthy(member.id, sick.resource_name, True, "NotReady")
    assert heat.resources.get(member.id, sick.resource_name).resource_status == "CHECK_FAILED"
    heat.stacks.update("c9", existing=True)
    assert sim.wait_stack("c9") == "UPDATE_COMPLETE"
    now = heat.stacks.output_show("c9", "minion_ids")["output"]["output_value"]
    assert len(now) == 3 and now[0] == ids[0] and now[2] == ids[2]
    assert now[1] != ids[1]
    replaced = heat.resources.get(member.id, sick.resource_name)
    assert replaced.resource_status == "UPDATE_COMPLETE"
    assert replaced.physical_resource_id == now[1]
    assert sim.state()["counts"]["servers"] == 4
    # Another PATCH with nothing marked changes nothing.
    heat.stacks.update("c9", existing=True)
    assert sim.wait_stack("c9") == "UPDATE_COMPLETE"
    assert heat.stacks.output_show("c9", "minion_ids")["output"]["output_value"] == now

    # A member stack marked unhealthy as a whole: its server is replaced too.
    members = [r for r in heat.resources.list("c9", nested_depth=1)
               if getattr(r, "parent_resource", None) == "kube_minions"]
    first = next(r for r in members if r.resource_name == "0")
    heat.resources.mark_unhealthy(_stack_of(first), "0", True, "NotReady")
    heat.stacks.update("c9", existing=True)
    assert sim.wait_stack("c9") == "UPDATE_COMPLETE"
    after = heat.stacks.output_show("c9", "minion_ids")["output"]["output_value"]
    assert after[0] != now[0] and after[1:] == now[1:]
