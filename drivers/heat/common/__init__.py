"""What every Fedora Heat driver shares, Kubernetes and Docker-based alike.

``fragments/`` holds the node library (``lib.sh``: logging, retries, the
trustee's token, certificates from the API; it sources a family's own
``lib-coe.sh`` where the nodes have one) and the node scripts both families run
the same way (the proxies; Docker's storage, which a driver may override with
its own; ``report-done.sh``, a master's signal to Heat, checking the driver's
``DONE_CHECK``); each reads only what every driver's heat-params defines
(``CLUSTER_ADDRESSES``: the cluster's own addresses, which bypass any proxy).
``templates/`` holds the master port (``masterport.yaml``), and ``params.py``
the parameter sources every family maps (images, flavors, key pair, CA
generation, node group, baremetal checks). ``k8s_fedora`` and
``docker_fedora`` definitions list this folder first in their
``TemplateDefinition.shared_directories``, so their own files win on a clash.
"""
import os

#: This folder, for ``TemplateDefinition.shared_directories``.
DIRECTORY = os.path.dirname(os.path.abspath(__file__))
