"""Kubernetes on Fedora Atomic VMs (Nova), built by Heat."""
