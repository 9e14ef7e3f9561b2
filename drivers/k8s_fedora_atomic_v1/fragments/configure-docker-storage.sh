#!/bin/bash
# VMs: put Docker's storage on the Cinder volume of docker_volume_size GB
# (attached as the first extra disk) when there is one; else the root disk.
set -euo pipefail
# shellcheck source=/dev/null
. /usr/local/lib/k8s-node/lib.sh

conf=/etc/sysconfig/docker-storage-setup
echo "STORAGE_DRIVER=${DOCKER_STORAGE_DRIVER:-overlay2}" > "$conf"

if [ "${DOCKER_VOLUME_SIZE:-0}" -le 0 ]; then
    log "no Docker volume; using the root disk"
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

cat >> "$conf" <<EOC
DEVS=$device
VG=docker
CONTAINER_ROOT_LV_NAME=docker-root-lv
CONTAINER_ROOT_LV_MOUNT_PATH=/var/lib/docker
CONTAINER_ROOT_LV_SIZE=100%FREE
EOC
log "Docker storage on $device"
