"""What every Fedora Heat driver shares, Kubernetes and Docker-based alike.

``fragments/`` holds the node scripts both families run the same way (the
proxies; Docker's storage, which a driver may override with its own); each
reads only what every driver's heat-params defines (``CLUSTER_ADDRESSES``: the
cluster's own addresses, which bypass any proxy). ``k8s_fedora`` and
``docker_fedora`` definitions list this folder first in their
``TemplateDefinition.shared_directories``, so their own files win on a clash.
"""
import os

#: This folder, for ``TemplateDefinition.shared_directories``.
DIRECTORY = os.path.dirname(os.path.abspath(__file__))
