"""[x509] options: keys, validity and what a signed CSR may keep (spec §6.1)."""
from oslo_config import cfg

GROUP = 'x509'

#: Key usages a CA-signed (not CA) certificate may carry, as openssl names them.
KEY_USAGE_NAMES = ('Digital Signature', 'Non Repudiation', 'Key Encipherment',
                   'Data Encipherment', 'Key Agreement', 'Certificate Sign', 'CRL Sign',
                   'Encipher Only', 'Decipher Only')

opts = [
    cfg.StrOpt('key_type', default='rsa', choices=('rsa', 'ec'),
               help='Type of the keys the service generates (cluster CAs and its own client '
                    'certificate).'),
    cfg.IntOpt('rsa_key_size', default=2048, min=2048,
               help='Size in bits of generated RSA keys.'),
    cfg.StrOpt('ec_curve', default='secp256r1', choices=('secp256r1', 'secp384r1'),
               help='Curve of generated EC keys (key_type = ec).'),
    cfg.IntOpt('term_of_validity', default=1825, min=1,
               help='Days a cluster CA is valid.'),
    cfg.IntOpt('client_cert_validity', default=1825, min=1,
               help='Days a certificate signed by a cluster CA is valid (the service\'s own '
                    'client certificate and signed CSRs); never beyond the CA\'s end.'),
    cfg.ListOpt('allowed_extensions',
                default=['keyUsage', 'extendedKeyUsage', 'subjectAltName',
                         'basicConstraints', 'subjectKeyIdentifier'],
                help='Extensions of a CSR kept in the signed certificate (names as openssl '
                     'writes them, or dotted OIDs). A disallowed critical extension makes '
                     'the CSR invalid; a non-critical one is dropped.'),
    cfg.ListOpt('allowed_key_usage',
                default=['Digital Signature', 'Key Encipherment', 'Non Repudiation'],
                help='Key usages kept from a CSR; others are removed. One of: %s.'
                     % ', '.join(KEY_USAGE_NAMES)),
    cfg.BoolOpt('allow_ca', default=False,
                help='Let a signed CSR keep CA:true, keyCertSign and cRLSign (otherwise '
                     'they are removed).'),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return {GROUP: opts}
