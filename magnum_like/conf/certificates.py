"""[certificates] options: where cluster certificates and keys are kept (spec §6.2)."""
from oslo_config import cfg

GROUP = 'certificates'

opts = [
    cfg.StrOpt('cert_manager_type', default='barbican',
               help='Cert manager backend (entry point of magnum_like.cert_manager.backend): '
                    'barbican, x509keypair (the service database) or local (files; not for '
                    'production).'),
    cfg.StrOpt('storage_path', default='/var/lib/magnum_like/certificates/',
               help='Directory of the local cert manager.'),
    cfg.ListOpt('x509keypair_encryption_key', secret=True, default=[],
                help='Fernet key(s) (urlsafe base64 of 32 bytes, e.g. from '
                     '"python -c \'from cryptography.fernet import Fernet; '
                     'print(Fernet.generate_key().decode())\'") that encrypt private keys '
                     'kept by the x509keypair cert manager. The first encrypts; all decrypt, '
                     'so a new key goes first and an old one stays until re-encrypted. '
                     'Required by that backend: magnum-like-api and magnum-like-conductor '
                     'refuse to start without a valid key (magnum-like-dev generates one '
                     'into its state directory).'),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return {GROUP: opts}
