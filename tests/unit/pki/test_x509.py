"""CAs, the service's client certificate and CSR signing (``magnum_like.pki.x509``)."""
from __future__ import annotations

import datetime
import os
import subprocess
import tempfile

from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import ExtensionOID
from cryptography.x509.oid import NameOID
import pytest

from magnum_like.common import exception
from magnum_like.pki import x509
from magnum_like import conf as ml_conf

CONF = ml_conf.CONF


@pytest.fixture
def override():
    """Set ``[x509]`` options for one test."""
    names = []

    def _set(name, value):
        CONF.set_override(name, value, group='x509')
        names.append(name)

    yield _set
    for name in names:
        CONF.clear_override(name, group='x509')


@pytest.fixture(scope='module')
def ca():
    return x509.generate_ca('my-cluster')


def _csr(*, key=None, cn='alice', org='devs', extensions=()):
    key = key or ec.generate_private_key(ec.SECP256R1())
    builder = cx509.CertificateSigningRequestBuilder().subject_name(cx509.Name([
        cx509.NameAttribute(NameOID.COMMON_NAME, cn),
        cx509.NameAttribute(NameOID.ORGANIZATION_NAME, org)]))
    for value, critical in extensions:
        builder = builder.add_extension(value, critical=critical)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def _ext(cert, oid):
    try:
        return cert.extensions.get_extension_for_oid(oid)
    except cx509.ExtensionNotFound:
        return None


def _usage(**kw):
    args = dict(digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False)
    args.update(kw)
    return cx509.KeyUsage(**args)


# -- CAs and the client certificate ------------------------------------------------

def test_ca_properties(ca):
    cert = x509.load_certificate(ca.certificate)
    key = x509.load_private_key(ca.private_key)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    assert cert.subject == cert.issuer
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == 'my-cluster'
    bc = _ext(cert, ExtensionOID.BASIC_CONSTRAINTS)
    assert bc.critical and bc.value.ca and bc.value.path_length == 0
    ku = _ext(cert, ExtensionOID.KEY_USAGE)
    assert ku.critical and ku.value.key_cert_sign
    assert _ext(cert, ExtensionOID.SUBJECT_KEY_IDENTIFIER) is not None
    now = datetime.datetime.now(datetime.timezone.utc)
    assert cert.not_valid_before_utc < now
    days = (cert.not_valid_after_utc - now).days
    assert 1823 <= days <= 1825
    assert cert.not_valid_before_utc.tzinfo is not None
    # The key pair's repr never shows the key.
    assert 'PRIVATE KEY' not in repr(ca)


def test_ca_validity_and_key_type_configurable(override):
    override('key_type', 'ec')
    override('term_of_validity', 10)
    pair = x509.generate_ca('x' * 100)
    cert = x509.load_certificate(pair.certificate)
    assert isinstance(x509.load_private_key(pair.private_key), ec.EllipticCurvePrivateKey)
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 11
    # CNs are cut to the RFC 5280 bound.
    assert len(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value) == 64


def test_rsa_key_size(override):
    override('rsa_key_size', 3072)
    assert x509.generate_private_key().key_size == 3072


def test_client_cert(ca):
    pair = x509.generate_client_cert(ca)
    cert = x509.load_certificate(pair.certificate)
    ca_cert = x509.load_certificate(ca.certificate)
    assert cert.issuer == ca_cert.subject
    assert cert.subject.rfc4514_string() == 'O=system:masters,CN=admin'
    assert not _ext(cert, ExtensionOID.BASIC_CONSTRAINTS).value.ca
    assert ExtendedKeyUsageOID.CLIENT_AUTH in _ext(cert, ExtensionOID.EXTENDED_KEY_USAGE).value
    ku = _ext(cert, ExtensionOID.KEY_USAGE).value
    assert ku.digital_signature and ku.key_encipherment and not ku.key_cert_sign
    cert.verify_directly_issued_by(ca_cert)
    assert cert.not_valid_after_utc <= ca_cert.not_valid_after_utc


def test_client_cert_validity(ca, override):
    override('client_cert_validity', 30)
    cert = x509.load_certificate(x509.generate_client_cert(ca).certificate)
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 31


# -- CSR signing ---------------------------------------------------------------------

def test_sign_copies_subject_and_adds_defaults(ca):
    cert = x509.load_certificate(x509.sign_csr(ca, _csr()))
    ca_cert = x509.load_certificate(ca.certificate)
    cert.verify_directly_issued_by(ca_cert)
    assert cert.subject.rfc4514_string() == 'O=devs,CN=alice'
    eku = _ext(cert, ExtensionOID.EXTENDED_KEY_USAGE).value
    assert set(eku) == {ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH}
    assert not _ext(cert, ExtensionOID.BASIC_CONSTRAINTS).value.ca
    assert _ext(cert, ExtensionOID.AUTHORITY_KEY_IDENTIFIER) is not None


def test_sign_keeps_allowed_extensions(ca):
    san = cx509.SubjectAlternativeName([cx509.DNSName('node-0'),
                                        cx509.DNSName('kubernetes.default')])
    eku = cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])
    csr = _csr(extensions=[(san, False), (eku, False)])
    cert = x509.load_certificate(x509.sign_csr(ca, csr))
    assert _ext(cert, ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value == san
    assert list(_ext(cert, ExtensionOID.EXTENDED_KEY_USAGE).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH]


def test_sign_strips_ca_and_trims_key_usage(ca):
    extensions = [(cx509.BasicConstraints(ca=True, path_length=None), True),
                  (_usage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                          data_encipherment=True), True)]
    cert = x509.load_certificate(x509.sign_csr(ca, _csr(extensions=extensions)))
    assert not _ext(cert, ExtensionOID.BASIC_CONSTRAINTS).value.ca
    ku = _ext(cert, ExtensionOID.KEY_USAGE)
    assert ku.critical
    assert ku.value.digital_signature
    assert not (ku.value.key_cert_sign or ku.value.crl_sign or ku.value.data_encipherment)


def test_sign_allow_ca(ca, override):
    override('allow_ca', True)
    override('allowed_key_usage', ['Digital Signature', 'Certificate Sign'])
    extensions = [(cx509.BasicConstraints(ca=True, path_length=None), True),
                  (_usage(key_cert_sign=True), True)]
    cert = x509.load_certificate(x509.sign_csr(ca, _csr(extensions=extensions)))
    assert _ext(cert, ExtensionOID.BASIC_CONSTRAINTS).value.ca
    assert _ext(cert, ExtensionOID.KEY_USAGE).value.key_cert_sign


def test_sign_drops_disallowed_non_critical_extension(ca):
    ncs = cx509.NameConstraints(permitted_subtrees=[cx509.DNSName('example.com')],
                                excluded_subtrees=None)
    cert = x509.load_certificate(x509.sign_csr(ca, _csr(extensions=[(ncs, False)])))
    assert _ext(cert, ExtensionOID.NAME_CONSTRAINTS) is None


def test_sign_refuses_disallowed_critical_extension(ca):
    ncs = cx509.NameConstraints(permitted_subtrees=[cx509.DNSName('example.com')],
                                excluded_subtrees=None)
    with pytest.raises(exception.InvalidCsr) as info:
        x509.sign_csr(ca, _csr(extensions=[(ncs, True)]))
    assert info.value.code == 400
    assert 'nameConstraints' in str(info.value)


def test_sign_allowed_extensions_configurable(ca, override):
    override('allowed_extensions', ['keyUsage', 'basicConstraints'])
    san = cx509.SubjectAlternativeName([cx509.DNSName('node-0')])
    cert = x509.load_certificate(x509.sign_csr(ca, _csr(extensions=[(san, False)])))
    assert _ext(cert, ExtensionOID.SUBJECT_ALTERNATIVE_NAME) is None


@pytest.mark.parametrize('csr', ['', 'not a csr',
                                 '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n'
                                 '-----END CERTIFICATE REQUEST-----\n'])
def test_invalid_csr(ca, csr):
    with pytest.raises(exception.InvalidCsr) as info:
        x509.sign_csr(ca, csr)
    assert info.value.code == 400


def test_csr_with_bad_signature(ca):
    good = _csr()
    other = _csr(cn='mallory')
    # Splice the body of one CSR with the signature of another.
    good_der = cx509.load_pem_x509_csr(good.encode()).public_bytes(serialization.Encoding.DER)
    other_der = cx509.load_pem_x509_csr(other.encode()).public_bytes(
        serialization.Encoding.DER)
    tampered = bytearray(good_der)
    tampered[-8:] = other_der[-8:]
    pem = cx509.load_der_x509_csr(bytes(tampered)).public_bytes(serialization.Encoding.PEM)
    with pytest.raises(exception.InvalidCsr):
        x509.sign_csr(ca, pem)


def test_signed_cert_never_outlives_ca(override):
    override('term_of_validity', 5)
    short_ca = x509.generate_ca('short')
    cert = x509.load_certificate(x509.sign_csr(short_ca, _csr()))
    assert cert.not_valid_after_utc <= x509.load_certificate(
        short_ca.certificate).not_valid_after_utc


def test_openssl_verifies_chain(ca):
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, pem in (('ca', ca.certificate), ('signed', x509.sign_csr(ca, _csr())),
                          ('client', x509.generate_client_cert(ca).certificate)):
            paths[name] = os.path.join(tmp, name + '.pem')
            with open(paths[name], 'w') as handle:
                handle.write(pem)
        result = subprocess.run(['openssl', 'verify', '-CAfile', paths['ca'],
                                 paths['signed'], paths['client']],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def test_encrypted_key_roundtrip():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encrypted = key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(b'secret')).decode()
    plain = x509.decrypt_private_key(encrypted, 'secret')
    assert 'ENCRYPTED' not in plain
    assert x509.load_private_key(plain).private_numbers() == key.private_numbers()
