"""A cluster API's TLS material, obtained as the master's scripts obtain it.

The node scripts (``make-certs.sh``/``lib.sh``) authenticate as the cluster's
trustee with its password (a Keystone token scoped to the trust when the node
has one, else unscoped; none without Keystone), fetch the cluster's CA with ``GET /certificates/<uuid>`` and
have the API server's CSR signed by ``POST /certificates`` at the service URL
their heat-params name.  The simulator makes the same calls with the same
parameters, so the served certificate is signed by the cluster's CA and a
client certificate is checked against the CA the service holds.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import ssl
import urllib.error
import urllib.request
from typing import Any, Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: Seconds one call to Keystone or the service may take.
TIMEOUT = 10.0


class CertError(Exception):
    """The TLS material could not be obtained (the service or Keystone refused)."""


@dataclasses.dataclass
class TLSMaterial:
    """PEM texts: the cluster CA, the server certificate and its key."""

    ca_pem: str
    cert_pem: str
    key_pem: str


def _context(params: dict[str, str]) -> Optional[ssl.SSLContext]:
    if params.get("VERIFY_CA", "true").lower() == "false":
        return ssl._create_unverified_context()  # noqa: S323 - the node's own VERIFY_CA=false
    return None


def _call(method: str, url: str, params: dict[str, str], *, token: Optional[str] = None,
          body: Optional[dict[str, Any]] = None) -> tuple[dict[str, Any], Any]:
    headers = {"Content-Type": "application/json", "Accept": "application/json",
               "OpenStack-API-Version": "container-infra latest"}
    if token:
        headers["X-Auth-Token"] = token
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT,
                                    context=_context(params)) as response:
            text = response.read()
            return (json.loads(text) if text else {}), response.headers
    except urllib.error.HTTPError as exc:
        raise CertError("%s %s answered %s" % (method, url, exc.code)) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise CertError("%s %s failed: %s" % (method, url, exc)) from None


def trustee_token(params: dict[str, str]) -> Optional[str]:
    """A Keystone token of the cluster's trustee (scoped to the trust when the
    node was given one, else unscoped: the service's API restricts a trustee to
    its cluster); ``None`` when the node has no Keystone credentials."""
    if not params.get("AUTH_URL") or not params.get("TRUSTEE_USER_ID"):
        return None
    auth: dict[str, Any] = {"identity": {"methods": ["password"], "password": {"user": {
        "id": params["TRUSTEE_USER_ID"], "password": params.get("TRUSTEE_PASSWORD", "")}}}}
    if params.get("TRUST_ID"):
        auth["scope"] = {"OS-TRUST:trust": {"id": params["TRUST_ID"]}}
    _, headers = _call("POST", params["AUTH_URL"].rstrip("/") + "/auth/tokens", params,
                       body={"auth": auth})
    return headers.get("X-Subject-Token")


def _csr(key: Any, sans: list[str], common_name: str) -> str:
    names: list[x509.GeneralName] = []
    for san in sans:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(san)))
        except ValueError:
            names.append(x509.DNSName(san))
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
           .add_extension(x509.SubjectAlternativeName(names), critical=False)
           .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                 ExtendedKeyUsageOID.CLIENT_AUTH]),
                          critical=False)
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def obtain(params: dict[str, str], sans: list[str], *,
           common_name: str = "kube-apiserver") -> TLSMaterial:
    """Fetch the cluster's CA and a server certificate for ``sans`` from the
    service named in a master's heat-params.

    :raises CertError: no service URL, or the service or Keystone refused.
    """
    base = params.get("MAGNUM_URL", "").rstrip("/")
    uuid = params.get("CLUSTER_UUID", "")
    if not base or not uuid:
        raise CertError("the master was given no MAGNUM_URL/CLUSTER_UUID")
    token = trustee_token(params)
    ca, _ = _call("GET", "%s/certificates/%s" % (base, uuid), params, token=token)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signed, _ = _call("POST", "%s/certificates" % base, params, token=token,
                      body={"cluster_uuid": uuid, "csr": _csr(key, sans, common_name),
                            "ca_cert_type": "kubernetes"})
    if not ca.get("pem") or not signed.get("pem"):
        raise CertError("the certificates API answered without a PEM")
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    return TLSMaterial(ca_pem=ca["pem"], cert_pem=signed["pem"], key_pem=key_pem)
