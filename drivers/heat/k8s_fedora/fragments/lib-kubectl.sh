#!/bin/bash
# Functions of the scripts that drive the cluster through kubectl (a master's
# addons); written to /usr/local/lib/k8s-node/lib-kubectl.sh by cloud-init and
# sourced by lib.sh, whose log, retry and variables they use.

# kubectl on a master, from the release matching KUBE_TAG (Atomic has none).
kubectl() {
    local bin=/usr/local/bin/kubectl version=${KUBE_TAG%%-*}
    if [ ! -x "$bin" ]; then
        mkdir -p /usr/local/bin
        retry 5 10 curl -sfL -o "$bin" "https://dl.k8s.io/release/$version/bin/linux/amd64/kubectl" \
            && chmod 755 "$bin"
    fi
    "$bin" --kubeconfig "$ADMIN_KUBECONFIG" "$@"
}

# Wait until the API answers (a master's addons need it).
wait_for_api() {
    retry 60 10 kubectl get --raw /healthz >/dev/null
}

# The OpenStack cloud config (trustee + trust) as the kube-system secret
# cloud-config that the cloud-controller-manager and Cinder CSI read.
cloud_config_secret() {
    local conf=/etc/kubernetes/cloud-config
    cat > "$conf" <<EOC
[Global]
auth-url=$AUTH_URL
user-id=$TRUSTEE_USER_ID
password=$TRUSTEE_PASSWORD
trust-id=$TRUST_ID
region=$REGION_NAME
tls-insecure=$([ "$VERIFY_CA" = false ] && echo true || echo false)
[LoadBalancer]
use-octavia=true
[BlockStorage]
bs-version=v3
EOC
    chmod 600 "$conf"
    kubectl -n kube-system create secret generic cloud-config --from-file=cloud.conf="$conf" \
        --dry-run=client -o yaml | kubectl apply -f -
}

# apply_url URL [SED_EXPRESSION...]: apply a manifest fetched from URL, edited.
apply_url() {
    local url=$1 file
    shift
    file=$(mktemp --suffix=.yaml)
    retry 5 10 curl -sfL -o "$file" "$url"
    for expr in "$@"; do sed -i -e "$expr" "$file"; done
    retry 5 10 kubectl apply -f "$file"
    rm -f "$file"
}

# controller_secret NAME JSON: the kube-system secret NAME with the config.yaml
# of a cloud-provider-openstack controller: JSON and the trustee as "openstack".
controller_secret() {
    python3 -c 'import json, sys; c = json.loads(sys.argv[1]); c["openstack"] = dict(zip(
        ("auth-url", "user-id", "password", "trust-id", "region"), sys.argv[2:])); print(json.dumps(c))' \
        "$2" "$AUTH_URL" "$TRUSTEE_USER_ID" "$TRUSTEE_PASSWORD" "$TRUST_ID" "$REGION_NAME" \
        | kubectl -n kube-system create secret generic "$1" --from-file=config.yaml=/dev/stdin \
            --dry-run=client -o yaml | kubectl apply -f -
}

# apply_on_masters KIND NAME IMAGE ARGS [secret=S] [host-path=P] [host-network]:
# the service account NAME and a KIND (Deployment, DaemonSet) NAME in
# kube-system running IMAGE with ARGS (a YAML flow list) on the masters, as
# that account; the secret S mounted at /etc/config, the host's P at P.
apply_on_masters() {
    local kind=$1 name=$2 image=$3 args=$4 option mounts='' volumes='' network=false
    shift 4
    for option in "$@"; do
        case "$option" in
        secret=*) mounts="$mounts{name: config, mountPath: /etc/config, readOnly: true},"
                  volumes="$volumes{name: config, secret: {secretName: ${option#*=}}},";;
        host-path=*) mounts="$mounts{name: host, mountPath: ${option#*=}, readOnly: true},"
                     volumes="$volumes{name: host, hostPath: {path: ${option#*=}}},";;
        host-network) network=true;;
        esac
    done
    kubectl apply -f - <<EOC
apiVersion: v1
kind: ServiceAccount
metadata: {name: $name, namespace: kube-system}
---
apiVersion: apps/v1
kind: $kind
metadata: {name: $name, namespace: kube-system}
spec:
  selector: {matchLabels: {app: $name}}
  template:
    metadata: {labels: {app: $name}}
    spec:
      serviceAccountName: $name
      hostNetwork: $network
      nodeSelector: {node-role.kubernetes.io/master: ""}
      tolerations: [{operator: Exists}]
      containers: [{name: $name, image: "$image", args: $args, volumeMounts: [${mounts%,}]}]
      volumes: [${volumes%,}]
EOC
}
