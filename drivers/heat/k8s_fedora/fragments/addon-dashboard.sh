#!/bin/bash
# The Kubernetes dashboard (label kube_dashboard_enabled, default true) at
# KUBE_DASHBOARD_VERSION, with its metrics scraper at METRICS_SCRAPER_TAG.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

is_master && [ "$KUBE_DASHBOARD_ENABLED" = true ] || exit 0
wait_for_api

edits=("s#kubernetesui/metrics-scraper:.*#kubernetesui/metrics-scraper:$METRICS_SCRAPER_TAG#")
if [ -n "$CONTAINER_INFRA_PREFIX" ]; then
    edits+=("s#image: kubernetesui/#image: ${CONTAINER_INFRA_PREFIX}#")
fi
apply_url "https://raw.githubusercontent.com/kubernetes/dashboard/$KUBE_DASHBOARD_VERSION/aio/deploy/recommended.yaml" \
    "${edits[@]}"
log "dashboard $KUBE_DASHBOARD_VERSION applied"
