#!/bin/bash
# The OpenStack cloud-controller-manager (label cloud_provider_enabled) at
# CLOUD_PROVIDER_TAG, authenticated with the cluster's trust. It names Service
# load balancers after the cluster uuid, which is how the service finds and
# removes them before deleting the cluster.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

is_master && [ "$CLOUD_PROVIDER_ENABLED" = true ] || exit 0
require_trust "the cloud provider"
wait_for_api
cloud_config_secret

base="https://raw.githubusercontent.com/kubernetes/cloud-provider-openstack/$CLOUD_PROVIDER_TAG/manifests/controller-manager"
edits=(
    "/name: CLUSTER_NAME/{n;s#value: .*#value: $CLUSTER_UUID#}"
    "s#image: docker.io/k8scloudprovider/openstack-cloud-controller-manager:.*#image: docker.io/k8scloudprovider/openstack-cloud-controller-manager:$CLOUD_PROVIDER_TAG#"
)
if [ -n "$CONTAINER_INFRA_PREFIX" ]; then
    edits+=("s#image: docker.io/k8scloudprovider/#image: ${CONTAINER_INFRA_PREFIX}#")
fi
apply_url "$base/cloud-controller-manager-roles.yaml"
apply_url "$base/cloud-controller-manager-role-bindings.yaml"
apply_url "$base/openstack-cloud-controller-manager-ds.yaml" "${edits[@]}"
log "openstack-cloud-controller-manager $CLOUD_PROVIDER_TAG applied"
