#!/bin/bash
# Last on a master: tell Heat (the cluster's master WaitCondition) whether
# every script before succeeded and the API answers, so the stack completes
# only once Kubernetes is up.
set -uo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh
trap - ERR

is_master || exit 0
host=$(hostname -s)
signal() {
    local body
    body=$(python3 -c 'import json, sys; print(json.dumps({"status": sys.argv[1], "reason": sys.argv[2], "id": sys.argv[3]}))' \
        "$1" "$2" "$host")
    retry 10 10 /etc/kubernetes/notify-heat.sh "$body" >/dev/null
}

failed=$(find /var/lib/k8s-node/failed -type f -printf '%f ' 2>/dev/null)
if [ -n "$failed" ]; then
    signal FAILURE "$host: failed: $failed(see /var/log/cloud-init-output.log)"
    exit 1
fi
if ! wait_for_api; then
    signal FAILURE "$host: the Kubernetes API did not come up"
    exit 1
fi
signal SUCCESS "$host: Kubernetes $KUBE_TAG is up"
