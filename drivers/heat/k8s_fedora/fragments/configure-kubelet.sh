#!/bin/bash
# kubelet and kube-proxy as Atomic system containers at KUBE_TAG, on every
# node; masters register tainted so workloads go to the workers, and every
# node with its node group's labels and taints.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

host=$(hostname -s)
ip=$(node_ip)

kubeconfig /etc/kubernetes/kubelet.kubeconfig "system:node:$host" kubelet
kubeconfig /etc/kubernetes/proxy.kubeconfig system:kube-proxy proxy
if is_master; then
    # A master's kubelet talks to its own API server.
    sed -i -e "s#server: \(https\?\)://[^:]*:#server: \1://127.0.0.1:#" \
        /etc/kubernetes/kubelet.kubeconfig /etc/kubernetes/proxy.kubeconfig
fi

mkdir -p /etc/cni/net.d /opt/cni/bin /var/lib/kubelet
kubelet_args="--kubeconfig=/etc/kubernetes/kubelet.kubeconfig --node-ip=$ip"
kubelet_args="$kubelet_args --network-plugin=cni --cni-conf-dir=/etc/cni/net.d"
kubelet_args="$kubelet_args --cni-bin-dir=/opt/cni/bin,/usr/libexec/cni"
kubelet_args="$kubelet_args --cluster-dns=$DNS_SERVICE_IP --cluster-domain=$DNS_CLUSTER_DOMAIN"
kubelet_args="$kubelet_args --cgroup-driver=systemd --fail-swap-on=false"
if [ "$TLS_DISABLED" != true ]; then
    kubelet_args="$kubelet_args --client-ca-file=$CERT_DIR/ca.crt"
    kubelet_args="$kubelet_args --tls-cert-file=$CERT_DIR/kubelet.crt --tls-private-key-file=$CERT_DIR/kubelet.key"
    kubelet_args="$kubelet_args --anonymous-auth=false --authorization-mode=Webhook"
fi
if [ "$CLOUD_PROVIDER_ENABLED" = true ] && [ -n "$TRUST_ID" ]; then
    kubelet_args="$kubelet_args --cloud-provider=external"
fi
# The node group's labels and taints (heat-params NODE_LABELS, NODE_TAINTS)
# come after the role's own.
if is_master; then
    node_labels=node-role.kubernetes.io/master=
    node_taints=node-role.kubernetes.io/master=:NoSchedule
else
    node_labels=node-role.kubernetes.io/node=
    node_taints=
fi
if [ -n "${NODE_LABELS:-}" ]; then
    node_labels="$node_labels,$NODE_LABELS"
fi
if [ -n "${NODE_TAINTS:-}" ]; then
    node_taints="${node_taints:+$node_taints,}$NODE_TAINTS"
fi
kubelet_args="$kubelet_args --node-labels=$node_labels"
if [ -n "$node_taints" ]; then
    kubelet_args="$kubelet_args --register-with-taints=$node_taints"
fi

cat > /etc/kubernetes/kubelet <<EOC
KUBELET_ADDRESS="--address=0.0.0.0"
KUBELET_HOSTNAME="--hostname-override=$host"
KUBELET_ARGS="$kubelet_args $KUBELET_OPTIONS"
EOC
cat > /etc/kubernetes/proxy <<EOC
KUBE_PROXY_ARGS="--kubeconfig=/etc/kubernetes/proxy.kubeconfig --cluster-cidr=$PODS_NETWORK_CIDR $KUBEPROXY_OPTIONS"
EOC
[ -f /etc/kubernetes/config ] || cat > /etc/kubernetes/config <<EOC
KUBE_LOGTOSTDERR="--logtostderr=true"
KUBE_LOG_LEVEL="--v=2"
EOC

# Pod traffic crosses the bridge; kube-proxy's rules must see it.
modprobe br_netfilter || true
sysctl -w net.bridge.bridge-nf-call-iptables=1 net.ipv4.ip_forward=1

system_container kubelet "${KUBE_PREFIX}kubernetes-kubelet:$KUBE_TAG"
system_container kube-proxy "${KUBE_PREFIX}kubernetes-proxy:$KUBE_TAG"
log "kubelet and kube-proxy $KUBE_TAG started"
