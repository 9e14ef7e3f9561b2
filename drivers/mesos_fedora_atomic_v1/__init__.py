"""Apache Mesos with Marathon on Fedora Atomic VMs or Ironic baremetal, built by Heat."""
