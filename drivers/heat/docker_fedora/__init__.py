"""What the Docker-based Fedora Atomic Heat drivers (Swarm mode, Mesos) share.

``templates/`` holds the nested templates both cluster stacks use (the nodes'
network, one server, one load-balancer member); ``fragments/`` the node
scripts both run (Docker's daemon, the REX-Ray/Cinder volume plugin, the final
report to Heat); the proxy and Docker storage scripts come from
``drivers/heat/common``, shared with the Kubernetes drivers. A driver lists
both folders in its ``TemplateDefinition.shared_directories``; ``driver.DockerFedoraDefinition``
adds the two Kubernetes files these drivers reuse (``lib.sh``, ``masterport.yaml``).
"""
import os

#: This folder, for ``TemplateDefinition.shared_directories``.
DIRECTORY = os.path.dirname(os.path.abspath(__file__))
