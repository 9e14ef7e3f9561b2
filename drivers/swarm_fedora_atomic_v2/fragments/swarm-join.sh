#!/bin/bash
# The swarm: the primary manager initialises it; the other managers and the
# workers fetch their join token from a manager's TLS Docker API with their
# cluster-CA client certificate (tokens never pass through Heat or metadata)
# and join through the primary. Workers leave the swarm when shut down, so a
# removed worker shows as down rather than as lost.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh
CERT_DIR=/etc/docker/tls

ip=$(node_ip)
state=$(docker info -f '{{.Swarm.LocalNodeState}}')
if [ "$state" = active ]; then
    log "already in the swarm"
    exit 0
fi

# join_token ROLE ADDRESS: the token for ROLE (manager, worker) from ADDRESS:2376.
join_token() {
    docker --tlsverify --tlscacert "$CERT_DIR/ca.crt" --tlscert "$CERT_DIR/client.crt" \
        --tlskey "$CERT_DIR/client.key" -H "tcp://$2:2376" swarm join-token -q "$1"
}

case "$SWARM_ROLE" in
    primary)
        docker swarm init --advertise-addr "$ip" --listen-addr "$ip:2377"
        log "swarm initialised"
        ;;
    manager | worker)
        token=$(retry 90 10 join_token "$SWARM_ROLE" "$SWARM_API_ADDRESS")
        retry 10 10 docker swarm join --token "$token" --advertise-addr "$ip" \
            "$SWARM_PRIMARY_ADDRESS:2377"
        log "joined the swarm as a $SWARM_ROLE"
        ;;
    *)
        log "unknown SWARM_ROLE '$SWARM_ROLE'"
        exit 1
        ;;
esac

if [ "$SWARM_ROLE" = worker ]; then
    cat > /etc/systemd/system/swarm-leave.service <<EOC
[Unit]
Description=Leave the Docker swarm on shutdown
After=docker.service
Requires=docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true
ExecStop=/usr/bin/env docker swarm leave

[Install]
WantedBy=multi-user.target
EOC
    systemctl daemon-reload
    systemctl enable --now swarm-leave.service
fi
