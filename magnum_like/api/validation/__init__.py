"""Validation of API input beyond what the WSME types check."""
