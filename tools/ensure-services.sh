#!/usr/bin/env bash
# Start, through its init script and unchanged, any of the shared services the tests
# need (MariaDB 3306, PostgreSQL 5432, RabbitMQ 5672, Redis 6379 on 127.0.0.1) that
# does not accept connections, and wait up to 60 s for it. Never stops anything.
# Exit status: 0 when all accept connections, 1 otherwise (each one named).
set -uo pipefail
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

listening() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

status=0
for entry in mariadb:3306 postgresql:5432 rabbitmq-server:5672 redis-server:6379; do
    name=${entry%%:*}
    port=${entry##*:}
    listening "$port" && continue
    echo "ensure-services: $name (127.0.0.1:$port) does not accept connections; starting it" >&2
    if [ -x "/etc/init.d/$name" ]; then
        $SUDO "/etc/init.d/$name" start >&2 || true
    elif command -v systemctl >/dev/null; then
        $SUDO systemctl start "$name" >&2 || true
    fi
    deadline=$((SECONDS + 60))
    until listening "$port" || [ "$SECONDS" -ge "$deadline" ]; do
        sleep 1
    done
    if listening "$port"; then
        echo "ensure-services: $name is up" >&2
    else
        echo "ensure-services: $name is still down; its tests will fail" >&2
        status=1
    fi
done
exit "$status"
