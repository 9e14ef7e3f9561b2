#!/bin/bash
# Labels auto_healing_enabled=true, auto_healing_controller=magnum-auto-healer:
# it checks the masters' API and the nodes' Ready condition and has the
# service repair nodes that stay unhealthy, as the cluster's trustee.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

is_master && [ "$AUTO_HEALING_ENABLED" = true ] \
    && [ "$AUTO_HEALING_CONTROLLER" = magnum-auto-healer ] || exit 0
require_trust "the magnum-auto-healer"
wait_for_api
name=magnum-auto-healer
protocol=HTTPS
[ "$TLS_DISABLED" = true ] && protocol=HTTP
controller_secret $name '{"cluster-name": "'"$CLUSTER_UUID"'", "monitor-interval": "30s",
  "check-delay-after-add": "20m", "leader-elect": true, "healthcheck": {
  "master": [{"type": "Endpoint", "params": {"unhealthy-duration": "3m", "protocol": "'$protocol'",
    "port": '"$KUBE_API_PORT"', "endpoints": ["/healthz"], "ok-codes": [200]}}],
  "worker": [{"type": "NodeCondition", "params": {"unhealthy-duration": "3m",
    "types": ["Ready"], "ok-values": ["True"]}}]}}'
kubectl create clusterrolebinding $name --clusterrole=cluster-admin \
    --serviceaccount=kube-system:$name --dry-run=client -o yaml | kubectl apply -f -
apply_on_masters DaemonSet $name \
    "${CONTAINER_INFRA_PREFIX:-docker.io/k8scloudprovider/}$name:$MAGNUM_AUTO_HEALER_TAG" \
    "[/bin/$name, --config=/etc/config/config.yaml, --v=2]" secret=$name
log "$name $MAGNUM_AUTO_HEALER_TAG applied"
