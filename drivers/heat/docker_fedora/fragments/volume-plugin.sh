#!/bin/bash
# Docker volumes on Cinder: volume_driver "rexray" runs the REX-Ray service
# (Cinder backend), "cinder" installs Docker's managed rexray/cinder plugin.
# Both use the cluster's trustee; rexray_preempt lets a node take a volume
# still attached to a dead node. Not on baremetal (the driver refuses it).
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

case "$VOLUME_DRIVER" in
    rexray | cinder) ;;
    *) log "no volume driver"; exit 0 ;;
esac
preempt=$([ "$REXRAY_PREEMPT" = true ] && echo true || echo false)
insecure=$([ "$VERIFY_CA" = false ] && echo true || echo false)

if [ "$VOLUME_DRIVER" = cinder ]; then
    docker plugin inspect rexray/cinder >/dev/null 2>&1 || retry 5 10 docker plugin install \
        --grant-all-permissions --alias cinder rexray/cinder \
        "CINDER_AUTHURL=$AUTH_URL" "CINDER_USERID=$TRUSTEE_USER_ID" \
        "CINDER_PASSWORD=$TRUSTEE_PASSWORD" "CINDER_TRUSTID=$TRUST_ID" \
        "CINDER_REGIONNAME=$REGION_NAME" "REXRAY_PREEMPT=$preempt" \
        "CINDER_INSECURE=$insecure"
    log "Cinder volume plugin installed"
    exit 0
fi

mkdir -p /etc/rexray
umask 077
cat > /etc/rexray/config.yml <<EOC
libstorage:
  integration:
    volume:
      operations:
        mount:
          preempt: $preempt
  service: cinder
cinder:
  authURL: $AUTH_URL
  userID: $TRUSTEE_USER_ID
  password: $TRUSTEE_PASSWORD
  trustID: $TRUST_ID
  regionName: $REGION_NAME
  insecure: $insecure
EOC
umask 022
if [ ! -x /usr/local/bin/rexray ]; then
    retry 5 10 curl -sfL -o /tmp/rexray.tgz \
        https://github.com/rexray/rexray/releases/download/v0.11.4/rexray-Linux-x86_64-0.11.4.tar.gz
    tar -xzf /tmp/rexray.tgz -C /usr/local/bin rexray
    rm -f /tmp/rexray.tgz
fi
/usr/local/bin/rexray install >/dev/null 2>&1 || true
systemctl daemon-reload
systemctl enable rexray
systemctl restart rexray
log "REX-Ray running"
