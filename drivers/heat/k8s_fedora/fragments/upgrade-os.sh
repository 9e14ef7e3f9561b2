#!/bin/bash
# Labels ostree_commit (wins) / ostree_remote: a node booted on another OS
# revision deploys it and reboots into it, after every other script.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

[ -n "$OSTREE_COMMIT$OSTREE_REMOTE" ] || exit 0
read -r checksum version origin < <(rpm-ostree status --json | python3 -c 'import json, sys
d = [d for d in json.load(sys.stdin)["deployments"] if d.get("booted")][0]
print(d.get("checksum") or "-", d.get("version") or "-", d.get("origin") or "-")')

if [ -n "$OSTREE_COMMIT" ]; then
    [ "$OSTREE_COMMIT" != "$checksum" ] && [ "$OSTREE_COMMIT" != "$version" ] || exit 0
    if command -v atomic >/dev/null; then
        retry 3 30 atomic host deploy "$OSTREE_COMMIT"
    else
        retry 3 30 rpm-ostree deploy "$OSTREE_COMMIT"
    fi
else
    [ "$OSTREE_REMOTE" != "$origin" ] || exit 0
    retry 3 30 rpm-ostree rebase "$OSTREE_REMOTE"
fi
log "rebooting into ${OSTREE_COMMIT:-$OSTREE_REMOTE}"
systemctl reboot
