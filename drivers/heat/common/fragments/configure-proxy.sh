#!/bin/bash
# Proxies for Docker, the system containers and login shells, when the cluster
# template sets http_proxy / https_proxy / no_proxy. The cluster's own
# addresses (CLUSTER_ADDRESSES: the API and the masters) bypass them.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

if [ -z "$HTTP_PROXY$HTTPS_PROXY" ]; then
    log "no proxy configured"
    exit 0
fi

no_proxy_list="$NO_PROXY,localhost,127.0.0.1,$CLUSTER_ADDRESSES,$(node_ip)"
no_proxy_list="${no_proxy_list#,}"

mkdir -p /etc/systemd/system/docker.service.d
{
    echo '[Service]'
    [ -z "$HTTP_PROXY" ] || echo "Environment=HTTP_PROXY=$HTTP_PROXY"
    [ -z "$HTTPS_PROXY" ] || echo "Environment=HTTPS_PROXY=$HTTPS_PROXY"
    echo "Environment=NO_PROXY=$no_proxy_list"
} > /etc/systemd/system/docker.service.d/proxy.conf

sed -i -e '/^\(http\|https\|no\)_proxy=/Id' /etc/environment
{
    [ -z "$HTTP_PROXY" ] || printf 'http_proxy=%s\nHTTP_PROXY=%s\n' "$HTTP_PROXY" "$HTTP_PROXY"
    [ -z "$HTTPS_PROXY" ] || printf 'https_proxy=%s\nHTTPS_PROXY=%s\n' "$HTTPS_PROXY" "$HTTPS_PROXY"
    printf 'no_proxy=%s\nNO_PROXY=%s\n' "$no_proxy_list" "$no_proxy_list"
} >> /etc/environment

systemctl daemon-reload
log "proxies configured"
