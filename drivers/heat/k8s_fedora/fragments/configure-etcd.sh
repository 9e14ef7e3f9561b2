#!/bin/bash
# etcd on every master, clustered over ETCD_PEERS (the masters' ports), with
# TLS between peers and clients unless TLS is disabled; data on the etcd
# volume when the cluster has one.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

is_master || exit 0
ip=$(node_ip)
data=/var/lib/etcd

if [ "${ETCD_VOLUME_SIZE:-0}" -gt 0 ]; then
    wanted=$((ETCD_VOLUME_SIZE * 1024 * 1024 * 1024))
    device=''
    for _ in $(seq 60); do
        # The etcd volume is the last attached disk of its size with no partitions.
        device=$(lsblk -dbno NAME,SIZE,TYPE | awk -v s="$wanted" '$3 == "disk" && $2 == s {d = $1} END {print d}')
        [ -z "$device" ] || break
        sleep 5
    done
    [ -n "$device" ] || { log "no ${ETCD_VOLUME_SIZE}GB etcd volume"; exit 1; }
    blkid "/dev/$device" >/dev/null || mkfs.xfs "/dev/$device"
    mkdir -p "$data"
    echo "/dev/$device $data xfs defaults 0 0" >> /etc/fstab
    mount "$data"
fi
mkdir -p "$data"
chown -R etcd:etcd "$data" 2>/dev/null || true

scheme=https
[ "$TLS_DISABLED" = true ] && scheme=http
name() { echo "etcd-${1//./-}"; }
initial=''
IFS=',' read -r -a peers <<< "$ETCD_PEERS"
for peer in "${peers[@]}"; do
    initial="$initial${initial:+,}$(name "$peer")=$scheme://$peer:2380"
done

cat > /etc/etcd/etcd.conf <<EOC
ETCD_NAME=$(name "$ip")
ETCD_DATA_DIR=$data/default.etcd
ETCD_LISTEN_CLIENT_URLS=$scheme://$ip:2379,$scheme://127.0.0.1:2379
ETCD_LISTEN_PEER_URLS=$scheme://$ip:2380
ETCD_ADVERTISE_CLIENT_URLS=$scheme://$ip:2379
ETCD_INITIAL_ADVERTISE_PEER_URLS=$scheme://$ip:2380
ETCD_INITIAL_CLUSTER=$initial
ETCD_INITIAL_CLUSTER_STATE=new
ETCD_INITIAL_CLUSTER_TOKEN=$CLUSTER_UUID
EOC
if [ "$scheme" = https ]; then
    cat >> /etc/etcd/etcd.conf <<EOC
ETCD_CERT_FILE=$CERT_DIR/etcd.crt
ETCD_KEY_FILE=$CERT_DIR/etcd.key
ETCD_TRUSTED_CA_FILE=$CERT_DIR/etcd-ca.crt
ETCD_CLIENT_CERT_AUTH=true
ETCD_PEER_CERT_FILE=$CERT_DIR/etcd.crt
ETCD_PEER_KEY_FILE=$CERT_DIR/etcd.key
ETCD_PEER_TRUSTED_CA_FILE=$CERT_DIR/etcd-ca.crt
ETCD_PEER_CLIENT_CERT_AUTH=true
EOC
fi

system_container etcd "${KUBE_PREFIX}etcd:$ETCD_TAG"
log "etcd $(name "$ip") started; cluster $initial"
