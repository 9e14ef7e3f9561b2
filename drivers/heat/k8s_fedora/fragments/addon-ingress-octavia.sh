#!/bin/bash
# Label ingress_controller=octavia: the Octavia ingress controller on the
# masters, making a load balancer on the nodes' subnet per Ingress as the trustee.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

is_master && [ "$INGRESS_CONTROLLER" = octavia ] || exit 0
require_trust "the Octavia ingress controller"
wait_for_api
name=octavia-ingress-controller
controller_secret $name '{"cluster-name": "'"$CLUSTER_UUID"'", "octavia":
    {"subnet-id": "'"$FIXED_SUBNET"'", "floating-network-id": "'"$EXTERNAL_NETWORK"'"}}'
kubectl apply -f - <<EOC
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: $name}
rules:
- {apiGroups: [""], resources: [nodes, services, endpoints, secrets], verbs: [get, list, watch]}
- {apiGroups: ["", coordination.k8s.io, extensions, networking.k8s.io], verbs: ["*"],
   resources: [events, configmaps, leases, ingresses, ingresses/status]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: $name}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: $name}
subjects: [{kind: ServiceAccount, name: $name, namespace: kube-system}]
EOC
apply_on_masters Deployment $name \
    "${CONTAINER_INFRA_PREFIX:-docker.io/k8scloudprovider/}$name:$OCTAVIA_INGRESS_CONTROLLER_TAG" \
    "[/bin/$name, --config=/etc/config/config.yaml]" secret=$name
log "$name $OCTAVIA_INGRESS_CONTROLLER_TAG applied"
