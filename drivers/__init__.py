"""Cluster drivers, one folder each; installed as ``magnum_like.drivers``."""
