#!/bin/bash
# Functions the node scripts of every driver share (Kubernetes, swarm, Mesos);
# written to /usr/local/lib/k8s-node/lib.sh by cloud-init and sourced after
# /etc/sysconfig/heat-params. A COE family's own functions are in its lib-coe.sh.
# shellcheck disable=SC2034  # variables here are read by the sourcing scripts

# shellcheck source=/dev/null
. /etc/sysconfig/heat-params
ROLE=minion
# shellcheck source=/dev/null
[ -f /etc/sysconfig/heat-role ] && . /etc/sysconfig/heat-role

log() { echo "[k8s-node $(basename "$0")] $*" >&2; }

# A script that fails leaves a mark; report-done.sh reports the marks to Heat.
mark_failed() {
    mkdir -p /var/lib/k8s-node/failed
    echo "line ${BASH_LINENO[0]}" > "/var/lib/k8s-node/failed/$(basename "$0")"
}
trap mark_failed ERR

# retry COUNT DELAY COMMAND...: run COMMAND until it succeeds, at most COUNT times.
retry() {
    local count=$1 delay=$2 i
    shift 2
    for ((i = 1; i <= count; i++)); do
        "$@" && return 0
        log "attempt $i/$count of '$1' failed; retrying in ${delay}s"
        sleep "$delay"
    done
    return 1
}

is_master() { [ "$ROLE" = master ]; }

# The node's private address (the source of its default route).
node_ip() {
    ip -4 route get 1.1.1.1 | awk '{for (i = 1; i < NF; i++) if ($i == "src") {print $(i + 1); exit}}'
}

# The node's floating address, if the metadata service knows one.
node_public_ip() {
    curl -sf --max-time 5 http://169.254.169.254/latest/meta-data/public-ipv4 || true
}

curl_verify() {
    if [ "$VERIFY_CA" = false ]; then echo --insecure; fi
}

# A Keystone token of the cluster's trustee with its password: scoped to the
# trust when the node has one ([trust] cluster_user_trust), else unscoped (the
# API knows the trustee's domain and lets it act on its own cluster); "none"
# without Keystone (a noauth development cloud).
keystone_token() {
    [ -n "$AUTH_URL" ] && [ -n "$TRUSTEE_USER_ID" ] || { echo none; return 0; }
    local scope='' body
    if [ -n "$TRUST_ID" ]; then
        scope=',"scope":{"OS-TRUST:trust":{"id":"'"$TRUST_ID"'"}}'
    fi
    body=$(python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$TRUSTEE_PASSWORD")
    # shellcheck disable=SC2046
    curl -sf $(curl_verify) -X POST "$AUTH_URL/auth/tokens" -o /dev/null -D - \
        -H 'Content-Type: application/json' \
        -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":"'"$TRUSTEE_USER_ID"'","password":'"$body"'}}}'"$scope"'}}' \
        | awk -F': ' 'tolower($1) == "x-subject-token" {sub(/\r$/, "", $2); print $2}'
}

# magnum_api METHOD PATH [JSON]: call the certificates API as the trustee.
magnum_api() {
    local token
    token=$(keystone_token) || return 1
    # shellcheck disable=SC2046
    curl -sf $(curl_verify) -X "$1" "$MAGNUM_URL$2" \
        -H "X-Auth-Token: $token" -H 'OpenStack-API-Version: container-infra latest' \
        -H 'Content-Type: application/json' ${3:+-d "$3"}
}

# fetch_ca TYPE FILE: the cluster's CA of TYPE (kubernetes, etcd, front-proxy).
fetch_ca() {
    local query=''
    [ "$1" = kubernetes ] || query="?ca_cert_type=$1"
    magnum_api GET "/certificates/$CLUSTER_UUID$query" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["pem"])' > "$2.tmp" \
        && [ -s "$2.tmp" ] && mv "$2.tmp" "$2"
}

# make_cert NAME CN ORG CA_TYPE [SAN,...]: key, CSR and certificate signed by the API.
make_cert() {
    local name=$1 cn=$2 org=$3 ca_type=$4 sans=${5:-} conf csr body
    conf=$(mktemp)
    printf '[req]\ndistinguished_name=dn\nreq_extensions=ext\nprompt=no\n[dn]\nCN=%s\n%s\n' \
        "$cn" "${org:+O=$org}" > "$conf"
    printf '[ext]\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >> "$conf"
    printf 'extendedKeyUsage=clientAuth,serverAuth\n' >> "$conf"
    [ -z "$sans" ] || printf 'subjectAltName=%s\n' "$sans" >> "$conf"
    [ -f "$CERT_DIR/$name.key" ] || openssl genrsa -out "$CERT_DIR/$name.key" 2048
    chmod 600 "$CERT_DIR/$name.key"
    csr=$(openssl req -new -key "$CERT_DIR/$name.key" -config "$conf")
    rm -f "$conf"
    body=$(python3 -c 'import json, sys; print(json.dumps({"cluster_uuid": sys.argv[1], "csr": sys.argv[2], "ca_cert_type": sys.argv[3]}))' \
        "$CLUSTER_UUID" "$csr" "$ca_type")
    magnum_api POST /certificates "$body" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["pem"])' > "$CERT_DIR/$name.crt.tmp" \
        && [ -s "$CERT_DIR/$name.crt.tmp" ] && mv "$CERT_DIR/$name.crt.tmp" "$CERT_DIR/$name.crt"
}

# Ends the calling script (successfully) when the cluster has no trust: an
# addon acting on the cloud for the cluster cannot run. $1 names the addon.
require_trust() {
    if [ -z "$TRUST_ID" ]; then
        log "$1 needs the cluster's trust: skipped"
        exit 0
    fi
}

# The COE family's own library, where its nodes have one (Kubernetes: lib-k8s.sh).
if [ -f /usr/local/lib/k8s-node/lib-coe.sh ]; then
    # shellcheck source=/dev/null
    . /usr/local/lib/k8s-node/lib-coe.sh
fi
