"""Barbican, Nova, Glance, Neutron, Octavia, the root map and API faults."""

from __future__ import annotations

import time

import pytest
import requests
from barbicanclient import client as barbican_client
from barbicanclient import exceptions as barbican_exc
from heatclient import exc as heat_exc

from magnum_like.cloudsim import Simulator
from magnum_like.cloudsim.samples import cluster_stack_fields

from .conftest import service_adapter


def test_root_map(sim: Simulator) -> None:
    body = requests.get(sim.url + "/", timeout=5).json()
    assert body == sim.endpoints
    assert body["orchestration"] == sim.url + "/orchestration/v1/%(project_id)s"
    assert body["key-manager"] == sim.url + "/key-manager"
    assert body["compute"] == sim.url + "/compute/v2.1"
    assert set(body) == {"orchestration", "key-manager", "compute", "image", "network",
                         "load-balancer"}


def test_barbican_secrets_and_containers(sim: Simulator, ks_session) -> None:  # type: ignore[no-untyped-def]
    barbican = barbican_client.Client(session=ks_session, endpoint=sim.endpoints["key-manager"])
    cert = barbican.secrets.create(name="cert", payload="-----BEGIN CERT-----",
                                   payload_content_type="text/plain")
    cert_ref = cert.store()
    key_ref = barbican.secrets.create(name="key", payload="secret-key",
                                      payload_content_type="text/plain").store()
    assert cert_ref.startswith(sim.url + "/key-manager/v1/secrets/")
    fetched = barbican.secrets.get(cert_ref)
    assert fetched.name == "cert" and fetched.payload == "-----BEGIN CERT-----"
    raw = requests.get(key_ref, headers={"Accept": "text/plain"}, timeout=5)
    assert raw.text == "secret-key"
    assert [s.name for s in barbican.secrets.list(name="key")] == ["key"]
    assert len(barbican.secrets.list(limit=1, offset=0)) == 1
    container = barbican.containers.create_certificate(
        name="tls", certificate=barbican.secrets.get(cert_ref),
        private_key=barbican.secrets.get(key_ref))
    container_ref = container.store()
    got = barbican.containers.get(container_ref)
    assert got.name == "tls" and got.certificate.payload == "-----BEGIN CERT-----"
    assert got.private_key.payload == "secret-key"
    assert len(barbican.containers.list()) == 1
    got.delete()
    assert barbican.containers.list() == []
    barbican.secrets.delete(key_ref)
    with pytest.raises(barbican_exc.HTTPClientError) as err:
        barbican.secrets.get(key_ref).payload  # noqa: B018 - fetch triggers the 404
    assert "Not Found" in str(err.value)
    resp = requests.post(sim.url + "/key-manager/v1/secrets", json={"payload": "x"}, timeout=5)
    assert resp.status_code == 400 and resp.json()["title"] == "Bad Request"


def test_nova_flavors_keypairs_servers(sim: Simulator, ks_session, heat) -> None:  # type: ignore[no-untyped-def]
    nova = service_adapter(sim, ks_session, "compute")
    flavors = nova.get("/flavors/detail").json()["flavors"]
    assert {f["name"] for f in flavors} >= {"m1.small", "m1.medium", "m1.large", "m2.medium"}
    small = next(f for f in flavors if f["name"] == "m1.small")
    assert nova.get("/flavors/%s" % small["id"]).json()["flavor"]["vcpus"] == 1
    resp = nova.get("/flavors/m1.small")
    assert resp.status_code == 404 and "itemNotFound" in resp.json()
    created = nova.post("/os-keypairs", json={"keypair": {"name": "k1"}}).json()["keypair"]
    assert created["private_key"] and created["public_key"]
    assert nova.get("/os-keypairs/k1").json()["keypair"]["name"] == "k1"
    names = [k["keypair"]["name"] for k in nova.get("/os-keypairs").json()["keypairs"]]
    assert names == ["default", "k1"]
    assert nova.post("/os-keypairs", json={"keypair": {"name": "k1"}}).status_code == 409
    assert nova.delete("/os-keypairs/k1").status_code == 202
    assert nova.get("/os-keypairs/k1").status_code == 404
    heat.stacks.create(stack_name="n1", **cluster_stack_fields(1, 2))
    assert sim.wait_stack("n1") == "CREATE_COMPLETE"
    servers = nova.get("/servers/detail").json()["servers"]
    assert len(servers) == 3
    server = nova.get("/servers/%s" % servers[0]["id"]).json()["server"]
    types = {a["OS-EXT-IPS:type"] for addrs in server["addresses"].values() for a in addrs}
    assert types == {"fixed", "floating"}
    assert server["status"] == "ACTIVE" and server["key_name"] == "default"


def test_openstacksdk_find_flavor_and_image(sim: Simulator, ks_session) -> None:  # type: ignore[no-untyped-def]
    openstack = pytest.importorskip("openstack")
    conn = openstack.connection.Connection(
        session=ks_session, compute_endpoint_override=sim.endpoints["compute"],
        image_endpoint_override=sim.endpoints["image"],
        network_endpoint_override=sim.endpoints["network"],
        load_balancer_endpoint_override=sim.endpoints["load-balancer"])
    flavor = conn.compute.find_flavor("m1.medium", ignore_missing=False)
    assert flavor.vcpus == 2 and flavor.ram == 4096
    image = conn.image.find_image("fedora-atomic-latest", ignore_missing=False)
    assert image.os_distro == "fedora-atomic"
    public = conn.network.find_network("public", ignore_missing=False)
    assert public.is_router_external
    assert conn.network.find_subnet("private-subnet", ignore_missing=False).cidr


def test_glance_neutron_octavia(sim: Simulator, ks_session, heat) -> None:  # type: ignore[no-untyped-def]
    glance = service_adapter(sim, ks_session, "image")
    images = glance.get("/v2/images").json()["images"]
    by_name = {i["name"]: i for i in images}
    assert by_name["fedora-atomic-latest"]["os_distro"] == "fedora-atomic"
    assert "os_distro" not in by_name["cirros-no-distro"]
    only = glance.get("/v2/images", params={"name": "fedora-coreos-latest"}).json()["images"]
    assert [i["os_distro"] for i in only] == ["fedora-coreos"]
    iid = by_name["ubuntu-22.04"]["id"]
    assert glance.get("/v2/images/%s" % iid).json()["os_distro"] == "ubuntu"
    assert glance.get("/v2/images/nope").status_code == 404

    neutron = service_adapter(sim, ks_session, "network")
    ext = neutron.get("/v2.0/networks", params={"router:external": "True"}).json()["networks"]
    assert [n["name"] for n in ext] == ["public"] and ext[0]["router:external"] is True
    private = neutron.get("/v2.0/networks", params={"name": "private"}).json()["networks"][0]
    assert neutron.get("/v2.0/networks/%s" % private["id"]).json()["network"]["name"] == "private"
    subnets = neutron.get("/v2.0/subnets", params={"network_id": private["id"]}).json()["subnets"]
    assert [s["name"] for s in subnets] == ["private-subnet"]
    sub = neutron.get("/v2.0/subnets/%s" % subnets[0]["id"]).json()["subnet"]
    assert sub["cidr"] == "10.0.0.0/16"
    resp = neutron.get("/v2.0/networks/nope")
    assert resp.status_code == 404 and resp.json()["NeutronError"]["type"] == "NetworkNotFound"

    heat.stacks.create(stack_name="o1", **cluster_stack_fields(1, 1))
    assert sim.wait_stack("o1") == "CREATE_COMPLETE"
    assert len(neutron.get("/v2.0/floatingips").json()["floatingips"]) == 3
    assert neutron.get("/v2.0/ports").json()["ports"]
    octavia = service_adapter(sim, ks_session, "load-balancer")
    lbs = octavia.get("/v2/lbaas/loadbalancers").json()["loadbalancers"]
    assert len(lbs) == 1 and lbs[0]["vip_address"].startswith("10.0.")
    api = heat.stacks.output_show("o1", "api_address")["output"]["output_value"]
    assert api.startswith("127.24.")  # the LB's floating IP from the (loopback) external network
    lb = octavia.get("/v2/lbaas/loadbalancers/%s" % lbs[0]["id"]).json()["loadbalancer"]
    assert lb["provisioning_status"] == "ACTIVE"
    named = octavia.get("/v2/lbaas/loadbalancers", params={"name": lb["name"]}).json()
    assert len(named["loadbalancers"]) == 1
    assert octavia.delete("/v2/lbaas/loadbalancers/%s" % lb["id"],
                          params={"cascade": "true"}).status_code == 204
    assert octavia.get("/v2/lbaas/loadbalancers/%s" % lb["id"]).status_code == 404


def test_api_faults_status_delay_and_counts(sim: Simulator, heat, ks_session) -> None:  # type: ignore[no-untyped-def]
    resp = requests.post(sim.url + "/_sim/faults", json={
        "kind": "api", "status": 503, "count": 2, "service": "orchestration"}, timeout=5)
    assert resp.status_code == 201
    for _ in range(2):
        with pytest.raises(heat_exc.HTTPServiceUnavailable):
            list(heat.stacks.list())
    assert list(heat.stacks.list()) == []
    nova = service_adapter(sim, ks_session, "compute")
    sim.faults.add_api_fault(status=None, delay=0.3, count=1, service="compute")
    start = time.monotonic()
    assert nova.get("/flavors").status_code == 200
    assert time.monotonic() - start >= 0.3
    sim.faults.add_api_fault(status=500, count=1)
    resp = nova.get("/flavors")
    assert resp.status_code == 500 and "computeFault" in resp.json()
    counts = requests.get(sim.url + "/_sim/requests", timeout=5).json()["requests"]
    assert counts["orchestration"] == 3 and counts["compute"] == 2
    assert requests.get(sim.url + "/_sim/faults", timeout=5).json()["faults"] == []
    bad = requests.post(sim.url + "/_sim/faults", json={"kind": "nope"}, timeout=5)
    assert bad.status_code == 400


def test_admin_state_reset_and_hang_fault_over_http(sim: Simulator, heat) -> None:  # type: ignore[no-untyped-def]
    requests.post(sim.url + "/_sim/faults", json={"kind": "hang", "stack": "*"}, timeout=5)
    heat.stacks.create(stack_name="h1", **cluster_stack_fields(1, 1))
    assert sim.wait_stack("h1", timeout=0.3) == "CREATE_IN_PROGRESS"
    state = requests.get(sim.url + "/_sim/state", timeout=5).json()
    assert state["stacks"] == {"CREATE_IN_PROGRESS": 1}
    assert requests.post(sim.url + "/_sim/reset", timeout=5).status_code == 204
    state = requests.get(sim.url + "/_sim/state", timeout=5).json()
    assert state["stack_total"] == 0 and state["faults"] == 0
    assert state["counts"]["images"] == 4
