#!/bin/bash
# Label ingress_controller=nginx: ingress-nginx at NGINX_INGRESS_CONTROLLER_TAG
# (its bare-metal manifest), on the host network of the nodes labelled
# role=INGRESS_CONTROLLER_ROLE.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

is_master && [ "$INGRESS_CONTROLLER" = nginx ] || exit 0
wait_for_api
mirror=()
[ -z "$CONTAINER_INFRA_PREFIX" ] || mirror=("s#image: .*/#image: $CONTAINER_INFRA_PREFIX#")
apply_url "https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-$NGINX_INGRESS_CONTROLLER_TAG/deploy/static/provider/baremetal/deploy.yaml" \
    "${mirror[@]}"
kubectl -n ingress-nginx patch deployment ingress-nginx-controller --type merge \
    -p '{"spec": {"template": {"spec": {"hostNetwork": true, "nodeSelector": {"role": "'"$INGRESS_CONTROLLER_ROLE"'"}}}}}'
log "ingress-nginx $NGINX_INGRESS_CONTROLLER_TAG applied"
