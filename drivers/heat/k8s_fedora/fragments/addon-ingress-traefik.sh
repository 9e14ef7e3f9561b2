#!/bin/bash
# Label ingress_controller=traefik: Traefik at TRAEFIK_INGRESS_CONTROLLER_TAG
# on the host network of the nodes labelled role=INGRESS_CONTROLLER_ROLE.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

is_master && [ "$INGRESS_CONTROLLER" = traefik ] || exit 0
wait_for_api
kubectl apply -f - <<EOC
apiVersion: v1
kind: ServiceAccount
metadata: {name: traefik-ingress-controller, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: traefik-ingress-controller}
rules:
- {apiGroups: [""], resources: [services, endpoints, secrets], verbs: [get, list, watch]}
- {apiGroups: [extensions, networking.k8s.io], resources: [ingresses], verbs: [get, list, watch]}
- {apiGroups: [extensions, networking.k8s.io], resources: [ingresses/status], verbs: [update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: traefik-ingress-controller}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: traefik-ingress-controller}
subjects: [{kind: ServiceAccount, name: traefik-ingress-controller, namespace: kube-system}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: traefik-ingress-controller, namespace: kube-system}
spec:
  selector: {matchLabels: {app: traefik-ingress-controller}}
  template:
    metadata: {labels: {app: traefik-ingress-controller}}
    spec:
      serviceAccountName: traefik-ingress-controller
      hostNetwork: true
      nodeSelector: {role: "$INGRESS_CONTROLLER_ROLE"}
      containers:
      - name: traefik
        image: ${CONTAINER_INFRA_PREFIX:-docker.io/library/}traefik:$TRAEFIK_INGRESS_CONTROLLER_TAG
        args: [--api, --kubernetes, --logLevel=INFO]
EOC
log "traefik $TRAEFIK_INGRESS_CONTROLLER_TAG applied"
