"""A development cloud with Keystone and the dashboard (``magnum-like-dev --dashboard``).

Nothing here is imported by the service itself: Keystone, Horizon and
magnum-ui come from the ``dashboard`` extra and run in their own processes.
"""
