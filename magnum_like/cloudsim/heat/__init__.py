"""Simulated OpenStack Heat: HOT parser, intrinsic functions, engine and REST API."""
