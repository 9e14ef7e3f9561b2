#!/bin/bash
# A master's addons (pod network, DNS, Keystone auth, dashboard, cloud
# provider, Cinder CSI, ingress and auto-healing controllers): the scripts of
# the bundle the service packs (drivers/heat/k8s_fedora/addons.py), run in
# their order. Each checks its own labels, and marks its failure for
# report-done.sh, so one failing does not stop the others.
set -uo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh
trap - ERR

is_master || exit 0
bundle=/usr/local/lib/k8s-node/addons.tar.gz
dir=/usr/local/lib/k8s-node/addons
if [ ! -s "$bundle" ]; then
    log "no addons bundle"
    exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
if ! tar -xzf "$bundle" -C "$dir"; then
    mark_failed
    exit 1
fi
for script in "$dir"/*.sh; do
    bash "$script" || log "$(basename "$script") failed"
done
log "addons done"
