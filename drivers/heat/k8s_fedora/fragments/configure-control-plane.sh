#!/bin/bash
# kube-apiserver, kube-controller-manager and kube-scheduler as Atomic system
# containers at KUBE_TAG, configured through /etc/kubernetes/* env files; with
# the Keystone webhook (keystone_auth_enabled) and CSR signing (cert_manager_api).
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

is_master || exit 0
ip=$(node_ip)
scheme=https
[ "$TLS_DISABLED" = true ] && scheme=http

etcd_servers=''
IFS=',' read -r -a peers <<< "$ETCD_PEERS"
for peer in "${peers[@]}"; do
    etcd_servers="$etcd_servers${etcd_servers:+,}$scheme://$peer:2379"
done

cloud_args=''
[ "$CLOUD_PROVIDER_ENABLED" = true ] && [ -n "$TRUST_ID" ] && cloud_args='--cloud-provider=external'

authz=Node,RBAC
api_args=''
if [ "$KEYSTONE_AUTH_ENABLED" = true ] && [ "$scheme" = https ]; then
    # Keystone tokens go to k8s-keystone-auth on 127.0.0.1:8443 (addon-keystone-auth.sh).
    webhook=/etc/kubernetes/keystone-webhook.kubeconfig
    kubeconfig "$webhook" webhook server
    sed -i -e 's#server: .*#server: https://127.0.0.1:8443/webhook#' "$webhook"
    authz=Node,RBAC,Webhook
    api_args="--authentication-token-webhook-config-file=$webhook --authorization-webhook-config-file=$webhook"
fi
api_args="$api_args --advertise-address=$ip --allow-privileged=true --authorization-mode=$authz"
api_args="$api_args --service-account-key-file=/etc/kubernetes/keys/service-account.pub"
api_args="$api_args --kubelet-preferred-address-types=InternalIP,Hostname"
if [ "$scheme" = https ]; then
    api_args="$api_args --bind-address=0.0.0.0 --secure-port=$KUBE_API_PORT --insecure-port=0"
    api_args="$api_args --tls-cert-file=$CERT_DIR/server.crt --tls-private-key-file=$CERT_DIR/server.key"
    api_args="$api_args --client-ca-file=$CERT_DIR/ca.crt"
    api_args="$api_args --kubelet-client-certificate=$CERT_DIR/apiserver-kubelet-client.crt"
    api_args="$api_args --kubelet-client-key=$CERT_DIR/apiserver-kubelet-client.key"
    api_args="$api_args --etcd-cafile=$CERT_DIR/etcd-ca.crt --etcd-certfile=$CERT_DIR/apiserver-etcd-client.crt"
    api_args="$api_args --etcd-keyfile=$CERT_DIR/apiserver-etcd-client.key"
    api_args="$api_args --requestheader-client-ca-file=$CERT_DIR/front-proxy-ca.crt"
    api_args="$api_args --proxy-client-cert-file=$CERT_DIR/front-proxy-client.crt"
    api_args="$api_args --proxy-client-key-file=$CERT_DIR/front-proxy-client.key"
    api_args="$api_args --requestheader-allowed-names=front-proxy-client"
    api_args="$api_args --requestheader-extra-headers-prefix=X-Remote-Extra-"
    api_args="$api_args --requestheader-group-headers=X-Remote-Group"
    api_args="$api_args --requestheader-username-headers=X-Remote-User"
else
    api_args="$api_args --insecure-bind-address=0.0.0.0 --insecure-port=$KUBE_API_PORT"
fi

cat > /etc/kubernetes/config <<EOC
KUBE_LOGTOSTDERR="--logtostderr=true"
KUBE_LOG_LEVEL="--v=2"
KUBE_MASTER="--master=$scheme://127.0.0.1:$KUBE_API_PORT"
EOC
cat > /etc/kubernetes/apiserver <<EOC
KUBE_API_ADDRESS=""
KUBE_ETCD_SERVERS="--etcd-servers=$etcd_servers"
KUBE_SERVICE_ADDRESSES="--service-cluster-ip-range=$PORTAL_NETWORK_CIDR"
KUBE_ADMISSION_CONTROL="--enable-admission-plugins=$ADMISSION_CONTROL_LIST"
KUBE_API_ARGS="$api_args $cloud_args $KUBEAPI_OPTIONS"
EOC

kubeconfig /etc/kubernetes/controller-manager.kubeconfig system:kube-controller-manager controller-manager
kubeconfig /etc/kubernetes/scheduler.kubeconfig system:kube-scheduler scheduler
kubeconfig "$ADMIN_KUBECONFIG" admin admin
sed -i -e "s#server: .*#server: $scheme://127.0.0.1:$KUBE_API_PORT#" \
    /etc/kubernetes/controller-manager.kubeconfig /etc/kubernetes/scheduler.kubeconfig "$ADMIN_KUBECONFIG"

cm_args="--kubeconfig=/etc/kubernetes/controller-manager.kubeconfig --leader-elect=true"
cm_args="$cm_args --service-account-private-key-file=/etc/kubernetes/keys/service-account.key"
cm_args="$cm_args --use-service-account-credentials=true"
cm_args="$cm_args --allocate-node-cidrs=true --cluster-cidr=$PODS_NETWORK_CIDR"
cm_args="$cm_args --node-cidr-mask-size=$FLANNEL_NETWORK_SUBNETLEN"
[ "$scheme" = http ] || cm_args="$cm_args --root-ca-file=$CERT_DIR/ca.crt"
if [ "$CERT_MANAGER_API" = true ] && [ "$scheme" = https ] && [ -s /etc/kubernetes/keys/ca.key ]; then
    cm_args="$cm_args --cluster-signing-cert-file=$CERT_DIR/ca.crt"
    cm_args="$cm_args --cluster-signing-key-file=/etc/kubernetes/keys/ca.key"
fi
cat > /etc/kubernetes/controller-manager <<EOC
KUBE_CONTROLLER_MANAGER_ARGS="$cm_args $cloud_args $KUBECONTROLLER_OPTIONS"
EOC
cat > /etc/kubernetes/scheduler <<EOC
KUBE_SCHEDULER_ARGS="--kubeconfig=/etc/kubernetes/scheduler.kubeconfig --leader-elect=true $KUBESCHEDULER_OPTIONS"
EOC

system_container kube-apiserver "${KUBE_PREFIX}kubernetes-apiserver:$KUBE_TAG"
system_container kube-controller-manager "${KUBE_PREFIX}kubernetes-controller-manager:$KUBE_TAG"
system_container kube-scheduler "${KUBE_PREFIX}kubernetes-scheduler:$KUBE_TAG"
log "control plane $KUBE_TAG started"
