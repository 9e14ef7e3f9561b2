#!/bin/bash
# The node's certificates: CAs fetched and keys' CSRs signed by the service's
# certificates API, authenticated with the cluster's trustee (lib.sh).
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

if [ "$TLS_DISABLED" = true ]; then
    log "TLS disabled: no certificates"
    exit 0
fi
mkdir -p "$CERT_DIR"
chmod 755 "$CERT_DIR"

host=$(hostname -s)
ip=$(node_ip)
public_ip=$(node_public_ip)
ip_sans="IP:$ip,IP:127.0.0.1${public_ip:+,IP:$public_ip}"

retry 30 10 fetch_ca kubernetes "$CERT_DIR/ca.crt"
retry 10 10 make_cert kubelet "system:node:$host" system:nodes kubernetes "$ip_sans,DNS:$host"
retry 10 10 make_cert proxy system:kube-proxy '' kubernetes

if ! is_master; then
    log "worker certificates ready"
    exit 0
fi

# The first address of the service range is the in-cluster API Service.
service_ip=$(python3 -c 'import ipaddress, sys; print(ipaddress.ip_network(sys.argv[1], strict=False)[1])' \
    "$PORTAL_NETWORK_CIDR")
api_sans="$ip_sans,IP:$service_ip,IP:$KUBE_API_ADDRESS${KUBE_API_PUBLIC_ADDRESS:+,IP:$KUBE_API_PUBLIC_ADDRESS}"
api_sans="$api_sans,DNS:$host,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
api_sans="$api_sans,DNS:kubernetes.default.svc.$DNS_CLUSTER_DOMAIN"

retry 10 10 fetch_ca etcd "$CERT_DIR/etcd-ca.crt"
retry 10 10 fetch_ca front-proxy "$CERT_DIR/front-proxy-ca.crt"
retry 10 10 make_cert server kube-apiserver '' kubernetes "$api_sans"
retry 10 10 make_cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters kubernetes
retry 10 10 make_cert admin admin system:masters kubernetes
retry 10 10 make_cert controller-manager system:kube-controller-manager '' kubernetes
retry 10 10 make_cert scheduler system:kube-scheduler '' kubernetes
retry 10 10 make_cert etcd "etcd-$host" '' etcd "$ip_sans,DNS:$host,DNS:localhost"
retry 10 10 make_cert apiserver-etcd-client kube-apiserver-etcd-client '' etcd
retry 10 10 make_cert front-proxy-client front-proxy-client '' front-proxy

# The system containers run as the kube and etcd users.
chgrp -R kube "$CERT_DIR" 2>/dev/null || true
chmod 640 "$CERT_DIR"/*.key
log "master certificates ready"
