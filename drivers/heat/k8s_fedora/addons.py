"""The masters' addons, shipped to them as one compressed bundle.

Nova takes at most 64 KiB of (base64) user data, and a master's scripts with
every addon as its own MIME part outgrow it (Keystone auth, an ingress and an
auto-healing controller, an OS revision, the CA key ...). The addons are the
scripts that only apply manifests through the Kubernetes API once it is up;
they travel as a gzipped tar in the Heat parameter ``master_addons``, which
the masters' cloud-config writes out and ``fragments/run-addons.sh`` runs, in
the order below. Every addon still checks its own labels and skips itself
when they do not ask for it, so the bundle is the same for every cluster.
"""
from __future__ import annotations

import base64
import functools
import gzip
import io
import os
import tarfile
from typing import Any

from magnum_like.drivers.heat import driver as heat_driver
from magnum_like.drivers.heat import k8s_fedora

#: The addon scripts (``fragments/`` of the shared Fedora k8s folder), in the
#: order a master runs them.
MASTER_ADDONS: tuple[str, ...] = (
    'network-flannel.sh', 'network-calico.sh', 'addon-coredns.sh',
    'addon-keystone-auth.sh', 'addon-dashboard.sh', 'addon-cloud-provider.sh',
    'addon-cinder-csi.sh', 'addon-ingress-nginx.sh', 'addon-ingress-traefik.sh',
    'addon-ingress-octavia.sh', 'addon-draino.sh', 'addon-magnum-auto-healer.sh',
)


@functools.lru_cache(maxsize=None)
def _bundle() -> str:
    # Byte for byte the same on every call and in every process (no times,
    # owners or order that vary), so re-rendering the parameters of a stack
    # (CA rotation, credential rotation) changes nothing on the masters.
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode='w', format=tarfile.USTAR_FORMAT) as tar:
        for index, name in enumerate(MASTER_ADDONS, start=1):
            data = heat_driver.read_file(
                os.path.join(k8s_fedora.DIRECTORY, 'fragments', name)).encode('utf-8')
            info = tarfile.TarInfo('%02d-%s' % (index, name))
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    packed = gzip.compress(raw.getvalue(), compresslevel=9, mtime=0)
    return base64.b64encode(packed).decode('ascii')


def bundle(view: Any) -> str:
    """The ``master_addons`` parameter: base64 of the gzipped tar of
    :data:`MASTER_ADDONS`, named ``NN-<script>`` in running order."""
    return _bundle()
