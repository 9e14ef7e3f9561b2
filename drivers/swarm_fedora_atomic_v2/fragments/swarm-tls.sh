#!/bin/bash
# Certificates from the cluster CA, through the certificates API as the
# trustee (lib.sh): every node gets a client certificate (it fetches its join
# token from a manager's Docker API with it); managers also a server
# certificate and a Docker API on 2376 that accepts only clients signed by
# the cluster CA. The options go to configure-docker.sh via docker-extra.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh
CERT_DIR=/etc/docker/tls

mkdir -p "$CERT_DIR"
chmod 700 "$CERT_DIR"
host=$(hostname -s)
ip=$(node_ip)
public_ip=$(node_public_ip)

retry 30 10 fetch_ca kubernetes "$CERT_DIR/ca.crt"
retry 10 10 make_cert client "swarm-$host" '' kubernetes

# Engine label: swarm mode always spreads; the template's strategy stays visible.
extra="--label swarm_strategy=$SWARM_STRATEGY"
if is_master; then
    sans="IP:$ip,IP:127.0.0.1${public_ip:+,IP:$public_ip},IP:$SWARM_API_ADDRESS"
    sans="$sans${SWARM_API_PUBLIC_ADDRESS:+,IP:$SWARM_API_PUBLIC_ADDRESS},DNS:$host,DNS:localhost"
    retry 10 10 make_cert server "swarm-manager-$host" '' kubernetes "$sans"
    extra="$extra -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2376 --tlsverify"
    extra="$extra --tlscacert=$CERT_DIR/ca.crt --tlscert=$CERT_DIR/server.crt"
    extra="$extra --tlskey=$CERT_DIR/server.key"
fi
echo "$extra" > /etc/sysconfig/docker-extra
chmod 600 "$CERT_DIR"/*.key
log "TLS material ready"
