"""The clusters' own APIs, served by the simulator on their loopback addresses.

Each cluster whose master nodes booted (see :mod:`magnum_like.cloudsim.boot`)
gets its COE's API on the addresses a client reaches it on (the API load
balancer's floating IP, the masters' floating IPs), with TLS material obtained
the way the masters' scripts obtain theirs (:mod:`.certs`).
"""
