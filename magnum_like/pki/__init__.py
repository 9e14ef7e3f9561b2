"""A cluster's credentials: its certificates and its Keystone trust.

One package for what makes and keeps them, whoever calls it (the API at
accept time, the conductor's operations, the health checks):

* :mod:`.x509` - CAs, client certificates and CSR signing (cryptography);
* :mod:`.keypool` - private keys made in worker processes, off the conductor's GIL;
* :mod:`.cert_manager` - where certificates and keys are kept (Barbican, the
  database, local files), loaded through stevedore;
* :mod:`.certificates` - each cluster's CAs and the service's client certificate;
* :mod:`.trust` and :mod:`.keystone` - each cluster's trustee user and trust.

It sits above the database (it reads cluster rows; the ``x509keypair`` cert
manager keeps its own table) and below the conductor and the API: it imports
neither. It never writes a cluster row: it returns what changes, or writes
through the ``save`` its caller passes (the conductor's ``ClusterTask.save``,
under the task's reservation).
"""
