#!/bin/bash
# Cinder CSI (label cinder_csi_enabled, default true; needs the cloud
# provider's trust) at CINDER_CSI_PLUGIN_TAG, with a default StorageClass.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

is_master && [ "$CINDER_CSI_ENABLED" = true ] && [ "$CLOUD_PROVIDER_ENABLED" = true ] || exit 0
require_trust "Cinder CSI"
wait_for_api
cloud_config_secret

base="https://raw.githubusercontent.com/kubernetes/cloud-provider-openstack/$CINDER_CSI_PLUGIN_TAG/manifests/cinder-csi-plugin"
edits=("s#k8scloudprovider/cinder-csi-plugin:.*#k8scloudprovider/cinder-csi-plugin:$CINDER_CSI_PLUGIN_TAG#")
if [ -n "$CONTAINER_INFRA_PREFIX" ]; then
    edits+=("s#image: docker.io/k8scloudprovider/#image: ${CONTAINER_INFRA_PREFIX}#")
    edits+=("s#image: k8s.gcr.io/sig-storage/#image: ${CONTAINER_INFRA_PREFIX}#")
fi
for manifest in cinder-csi-controllerplugin-rbac cinder-csi-controllerplugin \
        cinder-csi-nodeplugin-rbac cinder-csi-nodeplugin csi-cinder-driver; do
    apply_url "$base/$manifest.yaml" "${edits[@]}"
done

kubectl apply -f - <<EOC
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: cinder
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: cinder.csi.openstack.org
allowVolumeExpansion: true
EOC
log "Cinder CSI $CINDER_CSI_PLUGIN_TAG applied"
