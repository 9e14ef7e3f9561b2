"""What a node reads from its user data (magnum_like.cloudsim.boot)."""

from __future__ import annotations

import base64

from magnum_like.cloudsim import boot

USER_DATA = """#cloud-config
write_files:
  - path: /etc/sysconfig/heat-params
    content: |
      # comment
      CLUSTER_UUID='u-1'
      KUBE_TAG="v1.28.2"
      ODD='it''s'
      NODE_LABELS='a=1, b=two,c='
      NODE_TAINTS='gpu=true:NoSchedule,spot:PreferNoSchedule,dedicated=infra:NoExecute'
  - path: /etc/sysconfig/heat-params
    append: true
    content: |
      NODEGROUP_NAME='gpu-pool'
      NODEGROUP_ROLE='gpu'
  - path: /etc/sysconfig/heat-role
    encoding: b64
    content: %s
""" % base64.b64encode(b"ROLE='master'\n").decode()


def test_params_labels_taints_and_role() -> None:
    record = boot.boot_record(USER_DATA, image_id="img", booted_at="t")
    params = record["params"]
    assert params["KUBE_TAG"] == "v1.28.2" and params["ODD"] == "its"
    assert params["NODEGROUP_NAME"] == "gpu-pool" and params["ROLE"] == "master"
    node = boot.node_summary({"id": "s1", "name": "n1", "boot": record})
    assert node is not None
    assert node["labels"] == {"a": "1", "b": "two", "c": ""}
    assert node["taints"] == [
        {"key": "gpu", "value": "true", "effect": "NoSchedule"},
        {"key": "spot", "effect": "PreferNoSchedule"},
        {"key": "dedicated", "value": "infra", "effect": "NoExecute"}]
    assert node["master"] and node["role"] == "gpu" and node["nodegroup"] == "gpu-pool"


def test_a_node_lacks_what_it_was_not_given() -> None:
    record = boot.boot_record("#cloud-config\nwrite_files:\n  - path: /etc/sysconfig/heat-params\n"
                              "    content: \"CLUSTER_UUID='u'\\nKUBE_TAG='v1'\\n\"\n",
                              image_id=None, booted_at="t")
    node = boot.node_summary({"id": "s", "name": "n", "boot": record})
    assert node is not None and "nodegroup" not in node
    assert node["labels"] == {} and node["taints"] == [] and node["ca_generation"] == ""
    assert not node["master"] and node["role"] == "worker"
    # Not a cluster node at all: a plain shell script, or no cluster uuid.
    for text in ("#!/bin/sh\necho hi\n", "", "#cloud-config\n{}\n"):
        assert boot.node_summary({"id": "s", "name": "n", "boot": boot.boot_record(
            text, image_id=None, booted_at="t")}) is None
