"""Pieces shared by the Heat drivers: declarative mappings and the Heat driver base."""
