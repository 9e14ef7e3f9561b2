#!/bin/bash
# The Docker engine: the version the role asks for (DOCKER_VERSION, from
# Docker's static builds; empty keeps the image's engine), an insecure
# registry, options earlier scripts left in /etc/sysconfig/docker-extra
# (e.g. the managers' TLS endpoint), then start it. Unlike on Kubernetes
# nodes, Docker keeps iptables: swarm and Mesos port mappings need it.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

extra=''
[ ! -f /etc/sysconfig/docker-extra ] || extra=$(cat /etc/sysconfig/docker-extra)
if [ -n "$INSECURE_REGISTRY_URL" ]; then
    extra="$extra --insecure-registry $INSECURE_REGISTRY_URL"
fi

dropin=/etc/systemd/system/docker.service.d
mkdir -p "$dropin"
if [ -n "$DOCKER_VERSION" ]; then
    # /usr is read-only on Atomic hosts; /usr/local is not.
    dir=/usr/local/lib/docker-$DOCKER_VERSION
    if [ ! -x "$dir/dockerd" ]; then
        mkdir -p "$dir"
        retry 5 10 curl -sfL -o "$dir.tgz" \
            "https://download.docker.com/linux/static/stable/x86_64/docker-$DOCKER_VERSION.tgz"
        tar -xzf "$dir.tgz" -C "$dir" --strip-components=1
        rm -f "$dir.tgz"
    fi
    ln -sf "$dir/docker" /usr/local/bin/docker
    cat > "$dropin/engine.conf" <<EOC
[Service]
Environment=PATH=$dir:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin
ExecStart=
ExecStart=$dir/dockerd -H unix:///var/run/docker.sock --storage-driver ${DOCKER_STORAGE_DRIVER:-overlay2} $extra
EOC
else
    # Rewritten from the image's file each run, so a rerun adds nothing twice.
    [ -f /etc/sysconfig/docker.orig ] || cp /etc/sysconfig/docker /etc/sysconfig/docker.orig
    sed -e "s|^OPTIONS='\(.*\)'|OPTIONS='\1 $extra'|" /etc/sysconfig/docker.orig > /etc/sysconfig/docker
    rm -f "$dropin/engine.conf"
fi

systemctl daemon-reload
systemctl stop docker || true
[ -n "$DOCKER_VERSION" ] || docker-storage-setup
systemctl enable docker
systemctl start docker
retry 30 2 docker info >/dev/null
log "docker $(docker version -f '{{.Server.Version}}') running"
