#!/bin/bash
# Docker: storage driver (after configure-docker-storage.sh chose the disk),
# an insecure registry if the template names one, then start it.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

storage_driver=${DOCKER_STORAGE_DRIVER:-overlay2}
if ! grep -q '^STORAGE_DRIVER=' /etc/sysconfig/docker-storage-setup 2>/dev/null; then
    echo "STORAGE_DRIVER=$storage_driver" >> /etc/sysconfig/docker-storage-setup
fi

if [ -n "$INSECURE_REGISTRY_URL" ]; then
    sed -i -e '/^INSECURE_REGISTRY=/d' /etc/sysconfig/docker
    echo "INSECURE_REGISTRY='--insecure-registry $INSECURE_REGISTRY_URL'" >> /etc/sysconfig/docker
fi

# Kubernetes manages pod networking; Docker must not masquerade or bridge it.
sed -i -e "s/^OPTIONS='\(.*\)'/OPTIONS='\1 --iptables=false --ip-masq=false'/" /etc/sysconfig/docker

systemctl stop docker || true
docker-storage-setup
systemctl enable docker
systemctl start docker
log "docker running with $storage_driver"
