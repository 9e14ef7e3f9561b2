#!/bin/bash
# Pod network with Calico (network_driver=calico): the release's manifest at
# CALICO_TAG with the pod CIDR, IP-in-IP mode and image registry set.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

is_master && [ "$NETWORK_DRIVER" = calico ] || exit 0
wait_for_api

minor=$(echo "$CALICO_TAG" | sed -E 's/^(v[0-9]+\.[0-9]+).*/\1/')
edits=(
    "s#^\( *\)\# - name: CALICO_IPV4POOL_CIDR#\1- name: CALICO_IPV4POOL_CIDR#"
    "s#^\( *\)\#   value: \"192.168.0.0/16\"#\1  value: \"$PODS_NETWORK_CIDR\"#"
    "/name: CALICO_IPV4POOL_IPIP/{n;s#value: .*#value: \"$CALICO_IPV4POOL_IPIP\"#}"
    "s#image: docker.io/calico/\([a-z-]*\):.*#image: docker.io/calico/\1:$CALICO_TAG#"
)
if [ -n "$CONTAINER_INFRA_PREFIX" ]; then
    edits+=("s#image: docker.io/calico/#image: ${CONTAINER_INFRA_PREFIX}#")
fi
apply_url "https://docs.projectcalico.org/archive/$minor/manifests/calico.yaml" "${edits[@]}"
log "calico $CALICO_TAG applied (pool $PODS_NETWORK_CIDR, IPIP $CALICO_IPV4POOL_IPIP)"
