#!/bin/bash
# Last on a master, for every driver: tell Heat (the cluster's master
# WaitCondition, through /etc/sysconfig/notify-heat.sh) whether every script
# before succeeded and the engine answers ($DONE_CHECK and $ENGINE_NAME, set by
# the driver's heat-params), so the stack completes only once it is up.
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
    retry 10 10 /etc/sysconfig/notify-heat.sh "$body" >/dev/null
}

failed=$(find /var/lib/k8s-node/failed -type f -printf '%f ' 2>/dev/null)
if [ -n "$failed" ]; then
    signal FAILURE "$host: failed: $failed(see /var/log/cloud-init-output.log)"
    exit 1
fi
if ! retry 60 10 bash -c "$DONE_CHECK" >/dev/null; then
    signal FAILURE "$host: $ENGINE_NAME did not come up"
    exit 1
fi
signal SUCCESS "$host: $ENGINE_NAME is up"
