"""What the Fedora Kubernetes Heat drivers (Atomic VMs, Ironic baremetal) share.

``templates/`` holds the cluster stack (``kubecluster.yaml``) and the master
port template; ``fragments/`` the node scripts (the proxy and Docker storage
ones come from ``drivers/heat/common``). A driver using them lists both folders
in its ``TemplateDefinition.shared_directories`` and brings its own
``kubemaster.yaml``/``kubeminion.yaml`` (and any fragment it overrides); the
loader puts all of them in Heat's ``files`` map.
"""
import os

#: This folder, for ``TemplateDefinition.shared_directories``.
DIRECTORY = os.path.dirname(os.path.abspath(__file__))
