#!/bin/bash
# Docker's storage: on the Cinder volume of docker_volume_size GB (VMs, the
# first extra disk) when there is one; else the local disk, grown into any
# free space the image left (baremetal, whose volume sizes are always 0, or
# Swarm/Mesos VMs without a volume). Kubernetes VMs bring their own script.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

conf=/etc/sysconfig/docker-storage-setup
cat > "$conf" <<EOC
STORAGE_DRIVER=${DOCKER_STORAGE_DRIVER:-overlay2}
CONTAINER_ROOT_LV_NAME=docker-root-lv
CONTAINER_ROOT_LV_MOUNT_PATH=/var/lib/docker
EOC

if [ "${DOCKER_VOLUME_SIZE:-0}" -le 0 ]; then
    printf 'CONTAINER_ROOT_LV_SIZE=60%%FREE\nGROWPART=true\n' >> "$conf"
    log "Docker storage on the local disk"
    exit 0
fi

# Wait for the attachment: the disk of the volume's size with no partitions.
wanted=$((DOCKER_VOLUME_SIZE * 1024 * 1024 * 1024))
device=''
for _ in $(seq 60); do
    while read -r name size type; do
        if [ "$type" = disk ] && [ "$size" = "$wanted" ] \
            && [ "$(lsblk -no NAME "/dev/$name" | wc -l)" -eq 1 ]; then
            device=/dev/$name
            break
        fi
    done < <(lsblk -dbno NAME,SIZE,TYPE)
    [ -z "$device" ] || break
    sleep 5
done
if [ -z "$device" ]; then
    log "no ${DOCKER_VOLUME_SIZE}GB volume attached"
    exit 1
fi
printf 'DEVS=%s\nVG=docker\nCONTAINER_ROOT_LV_SIZE=100%%FREE\n' "$device" >> "$conf"
log "Docker storage on $device"
