"""Docker swarm mode on Fedora Atomic VMs or Ironic baremetal, built by Heat."""
