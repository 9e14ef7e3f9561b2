"""What the Fedora Kubernetes Heat drivers (Atomic VMs, Ironic baremetal) share.

``templates/`` holds the cluster stack (``kubecluster.yaml``) and what it
nests: the nodes' network and security groups (``network.yaml``), the API load
balancer (``lb_api.yaml``) and the nodes' user data (``nodeconfig.yaml``, also
used by node group stacks); ``fragments/`` the node scripts and the Kubernetes
library ``lib-k8s.sh`` (the node library ``lib.sh``, the proxy, Docker storage
and report-done scripts and the master port come from ``drivers/heat/common``;
the masters' addons travel as one bundle, see
``addons.py``). A driver using them lists both folders in its
``TemplateDefinition.shared_directories`` and brings its own
``kubemaster.yaml``/``kubeminion.yaml`` (and any fragment it overrides); the
loader puts all of them in Heat's ``files`` map. ``params.py`` and
``labels.py`` map the cluster onto the stack's parameters.
"""
import os

#: This folder, for ``TemplateDefinition.shared_directories``.
DIRECTORY = os.path.dirname(os.path.abspath(__file__))
