"""[trust] options: the per-cluster trustee users and trusts (spec §7)."""
from oslo_config import cfg

GROUP = 'trust'

opts = [
    cfg.StrOpt('trustee_domain_id', help='Id of the domain holding the trustee users.'),
    cfg.StrOpt('trustee_domain_name', help='Name of that domain (when no id is given).'),
    cfg.StrOpt('trustee_domain_admin_id',
               help='Id of the user that manages users in the trustee domain.'),
    cfg.StrOpt('trustee_domain_admin_name', help='Name of that user (when no id is given).'),
    cfg.StrOpt('trustee_domain_admin_password', secret=True, help='Password of that user.'),
    cfg.StrOpt('trustee_domain_admin_domain_id',
               help='Domain of the admin user (defaults to the trustee domain).'),
    cfg.StrOpt('trustee_domain_admin_domain_name', help='Name of that domain.'),
    cfg.ListOpt('roles', default=[],
                help='Roles the trust delegates; empty: the roles the owner has in the project.'),
    cfg.BoolOpt('cluster_user_trust', default=False,
                help='Hand the trust id to the cluster nodes (needed by the OpenStack cloud '
                     'provider); off, the nodes get only the trustee user.'),
    cfg.StrOpt('trustee_keystone_interface', default='public',
               help='Keystone interface the nodes use.'),
    cfg.StrOpt('trustee_keystone_region_name', help='Keystone region the nodes use.'),
    cfg.ListOpt('trustee_password_encryption_key', secret=True, default=[],
                help='Fernet key(s) encrypting trustee passwords in the database (first '
                     'encrypts, all decrypt). Empty: [certificates] '
                     'x509keypair_encryption_key. Trusts (any Keystone: [api] '
                     'auth_strategy = keystone or [keystone_auth] credentials) need one of '
                     'them: magnum-like-api and magnum-like-conductor refuse to start '
                     'without, as they do without the trustee domain and its admin.'),
    cfg.IntOpt('trustee_spares', default=8, min=0, max=200,
               help='Spare trustee users the conductors keep ready in the trustee domain. '
                    'A cluster create takes one (renames it to the cluster\'s trustee) '
                    'instead of creating a user while the request waits, which costs '
                    'Keystone a password hash. One conductor at a time refills the pool '
                    'every [trust] spare_refill_interval seconds; lowering the number makes '
                    'it delete the extra ones. 0: no spares (users are made during the '
                    'request, and existing spares are deleted). 0 to 200.'),
    cfg.FloatOpt('spare_refill_interval', default=5.0, min=0.5, max=3600.0,
                 help='Seconds between two refills of the spare trustee users by the '
                      'conductor that owns the pool. 0.5 to 3600.'),
    cfg.FloatOpt('orphan_reap_interval', default=600.0, min=0.0, max=86400.0,
                 help='Seconds between two passes of the conductors over the trustee domain '
                      'for trustee users (and their trusts) that no cluster row names: an '
                      'API process killed between making them and writing the row leaves '
                      'them behind. Each conductor looks at the users of the clusters it owns '
                      'on the hash ring, and at trusts delegated to a live cluster\'s trustee '
                      'that its row does not hold (a failed credential rotation whose undo '
                      'found Keystone down). 0 disables; at most 86400.'),
    cfg.FloatOpt('orphan_grace_period', default=3600.0, min=1.0, max=2592000.0,
                 help='Seconds a trustee user without a cluster row is left alone after it '
                      'was made (the time is in its description) before the conductors '
                      'delete it and its trusts. Must exceed the longest time an API may take '
                      'between making the trust and writing the row (the rest of one create '
                      'request, database retries included) plus the clock difference between '
                      'the API and conductor hosts. A user made before the time was recorded '
                      'is counted from when a conductor first saw it. A spare trustee user '
                      '([trust] trustee_spares) that lost its row without being renamed (an '
                      'API stopped between the two) is deleted once a conductor has seen it '
                      'so for this long. 1 to 2592000.'),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return {GROUP: opts}
