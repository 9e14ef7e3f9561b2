"""Client-side pieces shipped with the ``client`` extra (the ``openstack coe federation`` commands)."""
