"""Kubernetes on Fedora (Atomic) Ironic baremetal nodes, built by Heat."""
