#!/bin/bash
# Labels auto_healing_enabled=true, auto_healing_controller=draino (the
# default): draino at DRAINO_TAG on the masters, cordoning and draining the
# nodes that report a kernel deadlock, a read-only filesystem or a full disk
# (conditions a node problem detector sets), so the autoscaler can replace them.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

is_master && [ "$AUTO_HEALING_ENABLED" = true ] && [ "$AUTO_HEALING_CONTROLLER" = draino ] || exit 0
wait_for_api

kubectl apply -f - <<EOC
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: draino}
rules:
- {apiGroups: [""], resources: [nodes], verbs: [get, list, watch, update, patch]}
- {apiGroups: [""], resources: [pods], verbs: [get, list, watch]}
- {apiGroups: [""], resources: [pods/eviction], verbs: [create]}
- {apiGroups: [""], resources: [events], verbs: [create, patch, update]}
- {apiGroups: [apps], resources: [daemonsets, statefulsets], verbs: [get, list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: draino}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: draino}
subjects: [{kind: ServiceAccount, name: draino, namespace: kube-system}]
EOC
apply_on_masters Deployment draino "${CONTAINER_INFRA_PREFIX:-docker.io/planetlabs/}draino:$DRAINO_TAG" \
    "[/draino, --evict-emptydir-pods, --evict-unreplicated-pods, KernelDeadlock,
      ReadonlyFilesystem, OutOfDisk]"
log "draino $DRAINO_TAG applied"
