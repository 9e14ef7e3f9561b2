#!/bin/bash
# Label keystone_auth_enabled (default true): k8s-keystone-auth on the masters,
# behind the API server's webhook, with the policy written for the cluster.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

is_master && [ "$KEYSTONE_AUTH_ENABLED" = true ] || exit 0
if [ "$TLS_DISABLED" = true ] || [ -z "$AUTH_URL" ]; then
    log "no TLS or no Keystone: k8s-keystone-auth not deployed"
    exit 0
fi
wait_for_api
name=k8s-keystone-auth
kubectl -n kube-system create configmap $name-policy --dry-run=client -o yaml \
    --from-file=policies=/etc/kubernetes/keystone-auth-policy.json | kubectl apply -f -
kubectl apply -f - <<EOC
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: $name, namespace: kube-system}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: $name, namespace: kube-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: $name}
subjects: [{kind: ServiceAccount, name: $name, namespace: kube-system}]
EOC
apply_on_masters DaemonSet $name \
    "${CONTAINER_INFRA_PREFIX:-docker.io/k8scloudprovider/}$name:$K8S_KEYSTONE_AUTH_TAG" \
    "[/bin/$name, --listen=127.0.0.1:8443, --keystone-url=$AUTH_URL,
      --policy-configmap-name=$name-policy, --tls-cert-file=$CERT_DIR/server.crt,
      --tls-private-key-file=$CERT_DIR/server.key]" host-path="$CERT_DIR" host-network
log "$name $K8S_KEYSTONE_AUTH_TAG applied"
