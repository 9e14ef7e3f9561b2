"""What the Docker-based Fedora Atomic Heat drivers (Swarm mode, Mesos) share.

``templates/`` holds the nested templates both cluster stacks use (the nodes'
network, one server, one load-balancer member); ``fragments/`` the node
scripts both run (Docker's daemon, the REX-Ray/Cinder volume plugin). The node
library, the proxy and Docker storage scripts, the final report to Heat and the
master port come from ``drivers/heat/common``, shared with the Kubernetes
drivers. A driver lists both folders in its
``TemplateDefinition.shared_directories``, so nothing here reaches into the
Kubernetes drivers' folder.
"""
import os

#: This folder, for ``TemplateDefinition.shared_directories``.
DIRECTORY = os.path.dirname(os.path.abspath(__file__))
