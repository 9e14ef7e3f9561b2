"""Servers boot from their user data, and are replaced as Heat and Nova replace them.

Driven with the real python-heatclient: a node group stack whose servers'
user data is a MultipartMime of a heat-params CloudConfig (as the drivers build
it).  What the nodes show in ``/_sim/state`` comes from those parameters only.
"""

from __future__ import annotations

import ipaddress

from magnum_like.cloudsim import Simulator
from magnum_like.cloudsim.heat.compute import public_server

NODES = """
heat_template_version: wallaby
parameters:
  kube_tag: {type: string, default: v1.27.3}
  ca_generation: {type: string, default: gen1}
  labels: {type: string, default: ""}
  taints: {type: string, default: ""}
  count: {type: number, default: 2}
  batch: {type: number, default: 1}
  image: {type: string, default: fedora-atomic-latest}
  image_policy: {type: string, default: REBUILD}
  removal: {type: json, default: []}
resources:
  params:
    type: OS::Heat::CloudConfig
    properties:
      cloud_config:
        write_files:
          - path: /etc/sysconfig/heat-params
            content:
              str_replace:
                template: |
                  CLUSTER_UUID='c0ffee00-0000-4000-8000-000000000001'
                  KUBE_TAG='__TAG__'
                  CA_GENERATION="__GEN__"
                  NODEGROUP_NAME='blue'
                  NODEGROUP_ROLE='worker'
                  NODE_LABELS='__LABELS__'
                  NODE_TAINTS='__TAINTS__'
                params:
                  __TAG__: {get_param: kube_tag}
                  __GEN__: {get_param: ca_generation}
                  __LABELS__: {get_param: labels}
                  __TAINTS__: {get_param: taints}
  script:
    type: OS::Heat::SoftwareConfig
    properties: {group: ungrouped, config: "#!/bin/sh\\necho booted\\n"}
  config:
    type: OS::Heat::MultipartMime
    properties:
      parts: [{config: {get_resource: params}}, {config: {get_resource: script}}]
  group:
    type: OS::Heat::ResourceGroup
    update_policy:
      rolling_update: {max_batch_size: {get_param: batch}}
    properties:
      count: {get_param: count}
      removal_policies: {get_param: removal}
      resource_def:
        type: OS::Nova::Server
        properties:
          name: node-%index%
          image: {get_param: image}
          image_update_policy: {get_param: image_policy}
          flavor: m1.small
          user_data_format: RAW
          user_data: {get_resource: config}
"""


def _nodes(sim: Simulator) -> dict[str, dict]:
    cluster = sim.state()["clusters"]["c0ffee00-0000-4000-8000-000000000001"]
    return {n["name"]: n for n in cluster["nodes"]}


def _update(heat, sim: Simulator, **params) -> None:  # type: ignore[no-untyped-def]
    heat.stacks.update("ng", existing=True, parameters=params)
    assert sim.wait_stack("ng") == "UPDATE_COMPLETE"


def test_nodes_show_what_their_user_data_says(heat, sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    heat.stacks.create(stack_name="ng", template=NODES, parameters={
        "labels": "tier=web,zone=a", "taints": "dedicated=gpu:NoSchedule,spot:PreferNoSchedule"})
    assert sim.wait_stack("ng") == "CREATE_COMPLETE"
    nodes = _nodes(sim)
    assert sorted(nodes) == ["node-0", "node-1"]
    node = nodes["node-0"]
    assert node["coe"] == "kubernetes" and node["role"] == "worker" and not node["master"]
    assert node["nodegroup"] == "blue" and node["version"] == "v1.27.3"
    assert node["ca_generation"] == "gen1"
    assert node["labels"] == {"tier": "web", "zone": "a"}
    assert node["taints"] == [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
                              {"key": "spot", "effect": "PreferNoSchedule"}]
    # Nova's view keeps the boot record (trustee password included) to itself.
    with sim.store.lock:
        assert all("boot" not in public_server(sim.store, s)
                   for s in sim.store.servers.values())


def test_replacement_follows_heat_and_nova(heat, sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    heat.stacks.create(stack_name="ng", template=NODES)
    assert sim.wait_stack("ng") == "CREATE_COMPLETE"
    first = {name: n["server_id"] for name, n in _nodes(sim).items()}

    # A change the nodes are not given changes nothing.
    _update(heat, sim, batch=1)
    assert {name: n["server_id"] for name, n in _nodes(sim).items()} == first

    # New user data (a new CA generation): replaced, one batch at a time.
    _update(heat, sim, ca_generation="gen2")
    second = {name: n for name, n in _nodes(sim).items()}
    assert {n["ca_generation"] for n in second.values()} == {"gen2"}
    assert not set(first.values()) & {n["server_id"] for n in second.values()}
    batches = sim.rolling_batches(stack="ng")
    assert [b["size"] for b in batches] == [1, 1]

    # An image change under REBUILD (Nova's default) keeps the server, boots anew.
    _update(heat, sim, image="fedora-coreos-latest")
    rebuilt = _nodes(sim)
    assert {n["server_id"] for n in rebuilt.values()} == \
        {n["server_id"] for n in second.values()}
    assert all(rebuilt[k]["booted_at"] >= second[k]["booted_at"] for k in rebuilt)
    assert len({n["image"] for n in rebuilt.values()}) == 1
    assert rebuilt["node-0"]["image"] != second["node-0"]["image"]
    # ... and under REPLACE it is a new server.
    _update(heat, sim, image="fedora-atomic-latest", image_policy="REPLACE")
    replaced = _nodes(sim)
    assert not {n["server_id"] for n in replaced.values()} & \
        {n["server_id"] for n in rebuilt.values()}

    # Removal policies remove exactly the servers named.
    victim = replaced["node-0"]["server_id"]
    _update(heat, sim, count=1, removal=[{"resource_list": [victim]}])
    left = _nodes(sim)
    assert [n["server_id"] for n in left.values()] == [replaced["node-1"]["server_id"]]


def test_floating_ips_are_loopback(heat, sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    template = """
heat_template_version: wallaby
resources:
  fip: {type: OS::Neutron::FloatingIP, properties: {floating_network: public}}
outputs:
  address: {value: {get_attr: [fip, floating_ip_address]}}
"""
    heat.stacks.create(stack_name="f", template=template)
    assert sim.wait_stack("f") == "CREATE_COMPLETE"
    address = heat.stacks.get("f").outputs[0]["output_value"]
    assert ipaddress.ip_address(address).is_loopback
