#!/bin/bash
# Federation control plane on a host cluster's master (run by Heat's
# software deployment of the federation stack, as root, with its inputs in the
# environment): install KubeFed in kube-federation-system, then make the
# registered members exactly those of KUBEFED_MEMBERS (JSON list of
# {name, uuid, api_address, ca, cert, key}): per member a kubeconfig Secret
# and a KubeFedCluster; members no longer listed are removed. Idempotent: the
# deployment runs again on every join and unjoin.
set -euo pipefail

: "${FEDERATION_UUID:?}" "${HOST_CLUSTER_UUID:?}" "${KUBEFED_VERSION:?}"
: "${KUBEFED_MEMBERS:?}"
NS=kube-federation-system
KUBECONFIG=${KUBECONFIG:-/etc/kubernetes/admin.conf}
export KUBECONFIG
LABEL="magnum-like/federation=${FEDERATION_UUID}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

log() { echo "configure-federation: $*" >&2; }

# The control plane: namespace, CRDs and controller from the KubeFed chart.
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f -
if ! kubectl -n "$NS" get deployment kubefed-controller-manager >/dev/null 2>&1; then
    log "installing KubeFed ${KUBEFED_VERSION}"
    helm repo add kubefed-charts \
        https://raw.githubusercontent.com/kubernetes-sigs/kubefed/master/charts >/dev/null
    helm upgrade --install kubefed kubefed-charts/kubefed --namespace "$NS" \
        --version "${KUBEFED_VERSION#v}" --wait
fi

# One member: its credential as a kubeconfig Secret, and its KubeFedCluster.
register() {
    local name=$1 server=$2 ca=$3 cert=$4 key=$5 conf="$WORK/$1.kubeconfig"
    kubectl config --kubeconfig "$conf" set-cluster "$name" --server="$server" \
        --certificate-authority="$ca" --embed-certs=true >/dev/null
    kubectl config --kubeconfig "$conf" set-credentials "kubefed-${FEDERATION_UUID}" \
        --client-certificate="$cert" --client-key="$key" --embed-certs=true >/dev/null
    kubectl -n "$NS" create secret generic "$name-kubeconfig" \
        --from-file=kubeconfig="$conf" --dry-run=client -o yaml \
        | kubectl label --local -f - "$LABEL" -o yaml | kubectl apply -f -
    kubectl apply -f - <<EOM
apiVersion: core.kubefed.io/v1beta1
kind: KubeFedCluster
metadata:
  name: $name
  namespace: $NS
  labels:
    magnum-like/federation: "${FEDERATION_UUID}"
spec:
  apiEndpoint: $server
  caBundle: $(base64 -w0 < "$ca")
  secretRef:
    name: $name-kubeconfig
EOM
}

wanted=()
count=$(jq 'length' <<<"$KUBEFED_MEMBERS")
for ((i = 0; i < count; i++)); do
    member=$(jq -c ".[$i]" <<<"$KUBEFED_MEMBERS")
    name=$(jq -r '.name' <<<"$member")
    jq -r '.ca' <<<"$member" > "$WORK/ca.pem"
    jq -r '.cert' <<<"$member" > "$WORK/cert.pem"
    (umask 077 && jq -r '.key' <<<"$member" > "$WORK/key.pem")
    register "$name" "https://$(jq -r '.api_address' <<<"$member"):6443" \
        "$WORK/ca.pem" "$WORK/cert.pem" "$WORK/key.pem"
    wanted+=("$name")
done

# Unjoined members: their KubeFedCluster and credential go.
for name in $(kubectl -n "$NS" get kubefedclusters -l "$LABEL" -o name | cut -d/ -f2); do
    if [[ " ${wanted[*]} " != *" $name "* ]]; then
        log "removing member $name"
        kubectl -n "$NS" delete kubefedcluster "$name" --ignore-not-found
        kubectl -n "$NS" delete secret "$name-kubeconfig" --ignore-not-found
    fi
done
log "federation ${FEDERATION_UUID}: ${#wanted[@]} member(s) registered"
