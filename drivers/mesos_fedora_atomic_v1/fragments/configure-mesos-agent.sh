#!/bin/bash
# An agent: the Mesos agent in a Docker container on the host network, with
# the Docker containerizer (it drives the host's Docker through its socket)
# and the isolation, image providers, work directory and executor
# environment the cluster's labels give.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

prefix=${CONTAINER_INFRA_PREFIX:-}
ip=$(node_ip)
IFS=, read -r -a masters <<< "$MESOS_MASTERS"
zk=zk://$(printf '%s:2181,' "${masters[@]}")
zk=${zk%,}
work_dir=${MESOS_SLAVE_WORK_DIR:-/var/lib/mesos}
mkdir -p "$work_dir"

env_args=(-e "MESOS_MASTER=$zk/mesos" -e "MESOS_HOSTNAME=$ip" -e "MESOS_IP=$ip"
    -e MESOS_PORT=5051 -e "MESOS_WORK_DIR=$work_dir" -e MESOS_LOG_DIR=/var/log/mesos
    -e 'MESOS_CONTAINERIZERS=docker,mesos' -e MESOS_EXECUTOR_REGISTRATION_TIMEOUT=5mins
    -e MESOS_SYSTEMD_ENABLE_SUPPORT=false -e MESOS_DOCKER_STORE_DIR=/var/lib/mesos/store/docker)
[ -z "$MESOS_SLAVE_ISOLATION" ] || env_args+=(-e "MESOS_ISOLATION=$MESOS_SLAVE_ISOLATION")
[ -z "$MESOS_SLAVE_IMAGE_PROVIDERS" ] \
    || env_args+=(-e "MESOS_IMAGE_PROVIDERS=$MESOS_SLAVE_IMAGE_PROVIDERS")
if [ -n "$MESOS_SLAVE_EXECUTOR_ENV_VARIABLES" ]; then
    printf '%s\n' "$MESOS_SLAVE_EXECUTOR_ENV_VARIABLES" > /etc/mesos-executor-env.json
    env_args+=(-e MESOS_EXECUTOR_ENVIRONMENT_VARIABLES=file:///etc/mesos-executor-env.json
        -v /etc/mesos-executor-env.json:/etc/mesos-executor-env.json:ro)
fi
if [ "$VOLUME_DRIVER" = rexray ]; then
    # Mesos's docker/volume isolator mounts REX-Ray volumes through dvdcli.
    env_args+=(-v /run/docker/plugins:/run/docker/plugins)
fi

docker rm -f mesos-agent >/dev/null 2>&1 || true
retry 5 10 docker pull "${prefix}mesosphere/mesos-slave:$MESOS_TAG"
docker run -d --name mesos-agent --net=host --pid=host --privileged --restart=always \
    "${env_args[@]}" \
    -v /var/run/docker.sock:/var/run/docker.sock -v /sys/fs/cgroup:/sys/fs/cgroup \
    -v "$work_dir:$work_dir" -v /var/lib/mesos/store:/var/lib/mesos/store \
    "${prefix}mesosphere/mesos-slave:$MESOS_TAG"
log "agent started (masters $MESOS_MASTERS)"
