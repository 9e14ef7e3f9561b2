#!/bin/bash
# The Kubernetes nodes' own functions and paths; written to
# /usr/local/lib/k8s-node/lib-coe.sh by cloud-init and sourced at the end of
# lib.sh, whose log, retry and variables they use.
# shellcheck disable=SC2034  # variables here are read by the sourcing scripts

CERT_DIR=/etc/kubernetes/certs
KUBE_PREFIX=${CONTAINER_INFRA_PREFIX:-docker.io/openstackmagnum/}
ADMIN_KUBECONFIG=/etc/kubernetes/admin.kubeconfig

# system_container NAME IMAGE [atomic install options...]: install and start an
# Atomic system container (systemd unit NAME).
system_container() {
    local name=$1 image=$2
    shift 2
    if ! atomic containers list --no-trunc -q | grep -qx "$name"; then
        retry 5 10 atomic install --storage ostree --system --system-package=no \
            --name="$name" "$@" "$image" || return 1
    fi
    systemctl daemon-reload
    systemctl enable "$name"
    systemctl restart "$name"
}

# kubeconfig FILE USER CERT_NAME: a kubeconfig for the local API (or the API address).
kubeconfig() {
    if [ "$TLS_DISABLED" = true ]; then
        printf 'apiVersion: v1\nkind: Config\nclusters:\n- name: kubernetes\n  cluster: {server: "http://%s:%s"}\ncontexts:\n- name: default\n  context: {cluster: kubernetes}\ncurrent-context: default\n' \
            "$KUBE_API_ADDRESS" "$KUBE_API_PORT" > "$1"
        return 0
    fi
    cat > "$1" <<EOC
apiVersion: v1
kind: Config
clusters:
- name: kubernetes
  cluster:
    server: https://${KUBE_API_ADDRESS}:${KUBE_API_PORT}
    certificate-authority: $CERT_DIR/ca.crt
users:
- name: $2
  user:
    client-certificate: $CERT_DIR/$3.crt
    client-key: $CERT_DIR/$3.key
contexts:
- name: default
  context: {cluster: kubernetes, user: $2}
current-context: default
EOC
    chmod 600 "$1"
}

# What the masters' addon scripts drive the cluster with (kubectl as admin).
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib-kubectl.sh
