"""X.509 for the clusters' trust domains: CAs, the service's client certificate, CSR signing.

Each cluster has three CAs (Kubernetes, etcd, front proxy) and a client
certificate for the service itself (CN ``admin``, O ``system:masters``, signed by
the Kubernetes CA). Key type, size and validity come from ``[x509]``.

:func:`sign_csr` is what ``POST /v1/certificates`` runs on a user's CSR: the
subject is copied verbatim (the caller chose it, as with Magnum), extensions are
filtered against ``[x509] allowed_extensions`` and ``allowed_key_usage``, and
nothing in the result can act as a CA unless ``[x509] allow_ca`` says so.

Every PEM returned is ``str``; private keys are unencrypted PKCS#8 and are only
ever handed to a cert manager, never logged.
"""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed448
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import ExtensionOID
from cryptography.x509.oid import NameOID

from magnum_like.common import exception
from magnum_like import conf as ml_conf

CONF = ml_conf.CONF

#: openssl's names of extensions (what ``[x509] allowed_extensions`` lists).
EXTENSION_NAMES = {
    'keyUsage': ExtensionOID.KEY_USAGE,
    'extendedKeyUsage': ExtensionOID.EXTENDED_KEY_USAGE,
    'subjectAltName': ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
    'issuerAltName': ExtensionOID.ISSUER_ALTERNATIVE_NAME,
    'basicConstraints': ExtensionOID.BASIC_CONSTRAINTS,
    'subjectKeyIdentifier': ExtensionOID.SUBJECT_KEY_IDENTIFIER,
    'authorityKeyIdentifier': ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
    'nameConstraints': ExtensionOID.NAME_CONSTRAINTS,
    'certificatePolicies': ExtensionOID.CERTIFICATE_POLICIES,
    'crlDistributionPoints': ExtensionOID.CRL_DISTRIBUTION_POINTS,
    'authorityInfoAccess': ExtensionOID.AUTHORITY_INFORMATION_ACCESS,
    'policyConstraints': ExtensionOID.POLICY_CONSTRAINTS,
    'inhibitAnyPolicy': ExtensionOID.INHIBIT_ANY_POLICY,
    'tlsfeature': ExtensionOID.TLS_FEATURE,
}

#: ``[x509] allowed_key_usage`` names → ``KeyUsage`` arguments.
KEY_USAGES = {
    'Digital Signature': 'digital_signature',
    'Non Repudiation': 'content_commitment',
    'Key Encipherment': 'key_encipherment',
    'Data Encipherment': 'data_encipherment',
    'Key Agreement': 'key_agreement',
    'Certificate Sign': 'key_cert_sign',
    'CRL Sign': 'crl_sign',
    'Encipher Only': 'encipher_only',
    'Decipher Only': 'decipher_only',
}
_CA_USAGES = ('key_cert_sign', 'crl_sign')
#: Upper bound of a CN (RFC 5280 ub-common-name).
_CN_MAX = 64
_SKEW = datetime.timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class KeyPair:
    """A certificate and its private key, both PEM.

    The key is left out of ``repr`` so that logging the object shows no secret.
    """

    certificate: str
    private_key: str = dataclasses.field(repr=False)


# -- keys and names ------------------------------------------------------------

#: Where keys come from besides this process (the conductor's
#: ``magnum_like.pki.keypool``): called with ``(type, size or curve)``,
#: returns a private key or None to generate it here.
_KEY_SOURCE: Any = None


def set_key_source(source: Any) -> None:
    """Install (or, with None, remove) the source :func:`generate_private_key` asks first."""
    global _KEY_SOURCE
    _KEY_SOURCE = source


def generate_private_key() -> Any:
    """A new private key of ``[x509] key_type`` (RSA ``rsa_key_size`` or EC ``ec_curve``)."""
    source = _KEY_SOURCE
    if source is not None:
        kind = (('ec', CONF.x509.ec_curve) if CONF.x509.key_type == 'ec'
                else ('rsa', CONF.x509.rsa_key_size))
        key = source(kind)
        if key is not None:
            return key
    if CONF.x509.key_type == 'ec':
        curve = {'secp256r1': ec.SECP256R1, 'secp384r1': ec.SECP384R1}[CONF.x509.ec_curve]
        return ec.generate_private_key(curve())
    return rsa.generate_private_key(public_exponent=65537, key_size=CONF.x509.rsa_key_size)


def private_key_pem(key: Any) -> str:
    """``key`` as unencrypted PKCS#8 PEM."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode('ascii')


def load_private_key(pem: str | bytes, passphrase: str | bytes | None = None) -> Any:
    """Parse a PEM private key, decrypting it with ``passphrase`` when given.

    :raises ValueError: not a key, or the wrong passphrase.
    """
    data = pem.encode('ascii') if isinstance(pem, str) else pem
    if isinstance(passphrase, str):
        passphrase = passphrase.encode('utf-8')
    return serialization.load_pem_private_key(data, password=passphrase or None)


def decrypt_private_key(pem: str, passphrase: str | None) -> str:
    """The unencrypted PKCS#8 form of a (possibly encrypted) PEM key."""
    if not passphrase:
        return pem
    return private_key_pem(load_private_key(pem, passphrase))


def load_certificate(pem: str | bytes) -> x509.Certificate:
    """Parse a PEM certificate. :raises ValueError: not a certificate."""
    return x509.load_pem_x509_certificate(pem.encode('ascii') if isinstance(pem, str) else pem)


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode('ascii')


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common_name[:_CN_MAX] or 'cluster')]
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization[:_CN_MAX]))
    return x509.Name(attrs)


def _hash_for(key: Any) -> Any:
    # Ed25519/Ed448 CAs sign without a separate digest.
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        return None
    return hashes.SHA256()


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _builder(subject: x509.Name, issuer: x509.Name, public_key: Any, *,
             days: int, not_after_cap: datetime.datetime | None = None) -> x509.CertificateBuilder:
    now = _now()
    not_after = now + datetime.timedelta(days=days)
    if not_after_cap is not None and not_after > not_after_cap:
        not_after = not_after_cap
    return (x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(uuid.uuid4().int)
            .not_valid_before(now - _SKEW)
            .not_valid_after(not_after)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key),
                           critical=False))


def _key_usage(**usages: bool) -> x509.KeyUsage:
    args = {name: False for name in KEY_USAGES.values()}
    args.update(usages)
    if not args['key_agreement']:
        args['encipher_only'] = args['decipher_only'] = False
    return x509.KeyUsage(**args)


# -- what the conductor generates ---------------------------------------------

def generate_ca(common_name: str) -> KeyPair:
    """A self-signed CA for one cluster.

    :param common_name: the cluster's name (its uuid when unnamed); cut to 64 characters.
    :returns: the CA certificate and key; valid ``[x509] term_of_validity`` days,
        CA:true pathlen 0 and keyCertSign, both critical.
    """
    key = generate_private_key()
    name = _name(common_name)
    cert = (_builder(name, name, key.public_key(), days=CONF.x509.term_of_validity)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(key_cert_sign=True), critical=True)
            .sign(key, _hash_for(key)))
    return KeyPair(_pem(cert), private_key_pem(key))


def generate_client_cert(ca: KeyPair, *, common_name: str = 'admin',
                         organization: str | None = 'system:masters',
                         days: int | None = None) -> KeyPair:
    """A client certificate and key signed by ``ca`` (the service's own, by default).

    :param ca: the issuing CA.
    :param common_name: the subject's CN (Kubernetes' user name).
    :param organization: the subject's O (Kubernetes' group).
    :param days: validity (default ``[x509] client_cert_validity``).
    :returns: valid ``days`` (never past the CA's end),
        clientAuth, CA:false.
    """
    ca_cert = load_certificate(ca.certificate)
    ca_key = load_private_key(ca.private_key)
    key = generate_private_key()
    cert = (_builder(_name(common_name, organization), ca_cert.subject, key.public_key(),
                     days=days or CONF.x509.client_cert_validity,
                     not_after_cap=ca_cert.not_valid_after_utc)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True, key_encipherment=True),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .add_extension(_authority_key_id(ca_cert), critical=False)
            .sign(ca_key, _hash_for(ca_key)))
    return KeyPair(_pem(cert), private_key_pem(key))


def _authority_key_id(ca_cert: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    try:
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key())


# -- CSR signing ---------------------------------------------------------------

def _allowed_oids() -> set:
    oids = set()
    for name in CONF.x509.allowed_extensions:
        name = name.strip()
        if name in EXTENSION_NAMES:
            oids.add(EXTENSION_NAMES[name])
        elif name and name[0].isdigit():
            oids.add(x509.ObjectIdentifier(name))
    return oids


def _allowed_usages() -> set[str]:
    usages = {KEY_USAGES[n.strip()] for n in CONF.x509.allowed_key_usage
              if n.strip() in KEY_USAGES}
    if not CONF.x509.allow_ca:
        usages -= set(_CA_USAGES)
    return usages


def _ext_label(oid: x509.ObjectIdentifier) -> str:
    for name, known in EXTENSION_NAMES.items():
        if known == oid:
            return name
    return oid.dotted_string


def _trim_key_usage(usage: x509.KeyUsage) -> x509.KeyUsage | None:
    allowed = _allowed_usages()
    kept = {}
    for attr in KEY_USAGES.values():
        if attr in ('encipher_only', 'decipher_only') and not usage.key_agreement:
            continue
        if getattr(usage, attr) and attr in allowed:
            kept[attr] = True
    return _key_usage(**kept) if kept else None


def load_csr(csr_pem: str | bytes) -> x509.CertificateSigningRequest:
    """Parse and check a PEM CSR.

    :raises InvalidCsr: not a CSR, or its signature does not match its key.
    """
    if not csr_pem:
        raise exception.InvalidCsr(reason='the CSR is empty.')
    data = csr_pem.encode('utf-8') if isinstance(csr_pem, str) else csr_pem
    try:
        csr = x509.load_pem_x509_csr(data)
        if not csr.is_signature_valid:
            raise exception.InvalidCsr(reason='its signature does not match its public key.')
        # Parses every extension; a malformed one raises here.
        list(csr.extensions)
    except (ValueError, TypeError, x509.DuplicateExtension,
            x509.UnsupportedGeneralNameType) as error:
        raise exception.InvalidCsr(reason='not a PEM certificate signing request (%s).'
                                   % error)
    return csr


def sign_csr(ca: KeyPair, csr_pem: str | bytes) -> str:
    """Sign a user's CSR with ``ca`` for client and server use.

    The subject is copied. Extensions not in ``[x509] allowed_extensions`` are
    dropped, or refused when critical; key usage is cut to
    ``allowed_key_usage``; CA:true, keyCertSign and cRLSign are removed unless
    ``allow_ca``. Without its own key usage / extended key usage the certificate
    gets digitalSignature+keyEncipherment and clientAuth+serverAuth.

    :param ca: the cluster CA to sign with.
    :param csr_pem: the PEM CSR.
    :returns: the signed certificate, PEM.
    :raises InvalidCsr: unparsable CSR, bad signature, or a disallowed critical extension.
    """
    csr = load_csr(csr_pem)
    ca_cert = load_certificate(ca.certificate)
    ca_key = load_private_key(ca.private_key)
    public_key = csr.public_key()
    builder = _builder(csr.subject, ca_cert.subject, public_key,
                       days=CONF.x509.client_cert_validity,
                       not_after_cap=ca_cert.not_valid_after_utc)
    allowed = _allowed_oids()
    seen = set()
    for ext in csr.extensions:
        if ext.oid not in allowed:
            if ext.critical:
                raise exception.InvalidCsr(reason='critical extension %s is not allowed.'
                                           % _ext_label(ext.oid))
            continue
        value = ext.value
        if ext.oid == ExtensionOID.SUBJECT_KEY_IDENTIFIER:
            continue  # always computed from the key (added by _builder)
        if ext.oid == ExtensionOID.AUTHORITY_KEY_IDENTIFIER:
            continue  # the CA's, added below
        if ext.oid == ExtensionOID.KEY_USAGE:
            value = _trim_key_usage(value)
            if value is None:
                seen.add(ext.oid)
                continue
        if ext.oid == ExtensionOID.BASIC_CONSTRAINTS and value.ca and not CONF.x509.allow_ca:
            value = x509.BasicConstraints(ca=False, path_length=None)
        builder = builder.add_extension(value, critical=ext.critical)
        seen.add(ext.oid)
    if ExtensionOID.BASIC_CONSTRAINTS not in seen:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None),
                                        critical=True)
    if ExtensionOID.KEY_USAGE not in seen:
        default = _trim_key_usage(_key_usage(digital_signature=True, key_encipherment=True))
        if default is not None:
            builder = builder.add_extension(default, critical=True)
    if ExtensionOID.EXTENDED_KEY_USAGE not in seen:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH,
                                   ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    builder = builder.add_extension(_authority_key_id(ca_cert), critical=False)
    return _pem(builder.sign(ca_key, _hash_for(ca_key)))
