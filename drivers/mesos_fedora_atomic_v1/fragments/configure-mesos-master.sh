#!/bin/bash
# A master: ZooKeeper (one member of the ensemble of all masters), the Mesos
# master (quorum: a majority of the masters) and Marathon, each a Docker
# container on the host network that restarts with Docker.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

prefix=${CONTAINER_INFRA_PREFIX:-}
ip=$(node_ip)
IFS=, read -r -a masters <<< "$MESOS_MASTERS"
my_id=0
servers=''
for i in "${!masters[@]}"; do
    servers="$servers server.$((i + 1))=${masters[$i]}:2888:3888;2181"
    [ "${masters[$i]}" != "$ip" ] || my_id=$((i + 1))
done
if [ "$my_id" -eq 0 ]; then
    log "this node ($ip) is not among the masters ($MESOS_MASTERS)"
    exit 1
fi
quorum=$((${#masters[@]} / 2 + 1))
zk=zk://$(printf '%s:2181,' "${masters[@]}")
zk=${zk%,}

# run NAME IMAGE ARGS...: (re)start a host-network container.
run() {
    local name=$1
    shift
    docker rm -f "$name" >/dev/null 2>&1 || true
    retry 5 10 docker pull "$1"
    docker run -d --name "$name" --net=host --restart=always "$@"
}

mkdir -p /var/lib/zookeeper/data /var/lib/zookeeper/datalog /var/lib/mesos/master
run zookeeper "${prefix}zookeeper:$ZOOKEEPER_TAG" \
    -e "ZOO_MY_ID=$my_id" -e "ZOO_SERVERS=${servers# }" \
    -v /var/lib/zookeeper/data:/data -v /var/lib/zookeeper/datalog:/datalog

run mesos-master "${prefix}mesosphere/mesos-master:$MESOS_TAG" \
    -e "MESOS_ZK=$zk/mesos" -e "MESOS_QUORUM=$quorum" -e "MESOS_CLUSTER=$CLUSTER_NAME" \
    -e "MESOS_HOSTNAME=$ip" -e "MESOS_IP=$ip" -e MESOS_PORT=5050 \
    -e MESOS_WORK_DIR=/var/lib/mesos/master -e MESOS_LOG_DIR=/var/log/mesos \
    -v /var/lib/mesos/master:/var/lib/mesos/master

run marathon "${prefix}mesosphere/marathon:$MARATHON_TAG" \
    --master "$zk/mesos" --zk "$zk/marathon" --hostname "$ip" --http_port 8080

log "master $my_id of ${#masters[@]} started (quorum $quorum)"
