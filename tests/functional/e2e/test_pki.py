"""Issue 6: a cluster's PKI through ``openstack coe``.

``coe cluster config`` writes a kubeconfig whose client certificate verifies
(``openssl verify``) against the CA it embeds and whose ``server`` is the
cluster's ``api_address``; ``coe ca show``/``ca sign`` (an openssl CSR);
``coe ca rotate`` revokes: the old client certificate no longer verifies
against the new CA; ``coe credential rotate`` at microversion latest. The dev
service keeps certificates in the simulator's Barbican (the default
``barbican`` cert manager), which holds nothing of the cluster after delete.
"""
from __future__ import annotations

import base64
import re
import subprocess

import yaml

from tests.functional.e2e.helpers import Dev

PEM = re.compile(r'-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----', re.S)


def _verifies(ca_path, cert_path) -> bool:
    result = subprocess.run(['openssl', 'verify', '-CAfile', str(ca_path), str(cert_path)],
                            capture_output=True, text=True)
    return result.returncode == 0 and ': OK' in result.stdout


def _ca(dev: Dev, cluster: str, path) -> str:
    out = dev.ok('coe', 'ca', 'show', cluster)
    [pem] = PEM.findall(out)
    path.write_text(pem + '\n')
    return pem


def _secrets(dev: Dev) -> tuple[int, int]:
    counts = dev.state()['counts']
    return counts['secrets'], counts['containers']


def test_cluster_pki(dev, tmp_path):
    dev.ok('coe', 'cluster', 'template', 'create', 'k8s', '--coe', 'kubernetes',
           '--image', 'fedora-atomic-latest', '--external-network', 'public',
           '--flavor', 'm1.small', '--keypair', 'default', '--labels', 'kube_tag=v1.15.7')
    dev.ok('coe', 'cluster', 'create', 'pki', '--cluster-template', 'k8s',
           '--node-count', '1')
    cluster = dev.wait('pki')
    assert cluster['status'] == 'CREATE_COMPLETE', cluster
    assert _secrets(dev) != (0, 0), 'certificates are not in Barbican'

    # The kubeconfig.
    config_dir = tmp_path / 'kube'
    config_dir.mkdir()
    out = dev.ok('coe', 'cluster', 'config', 'pki', '--dir', str(config_dir))
    assert 'export KUBECONFIG=%s/config' % config_dir in out
    kubeconfig = yaml.safe_load((config_dir / 'config').read_text())
    [entry] = kubeconfig['clusters']
    assert entry['cluster']['server'] == cluster['api_address']
    [user] = kubeconfig['users']
    ca_path, cert_path = tmp_path / 'kube-ca.pem', tmp_path / 'client.pem'
    ca_path.write_bytes(base64.b64decode(entry['cluster']['certificate-authority-data']))
    cert_path.write_bytes(base64.b64decode(user['user']['client-certificate-data']))
    assert _verifies(ca_path, cert_path)
    subject = subprocess.run(['openssl', 'x509', '-noout', '-subject', '-in', str(cert_path)],
                             capture_output=True, text=True, check=True).stdout
    assert 'system:masters' in subject and 'admin' in subject
    # A second config without --force is refused; with it, rewritten.
    again = dev.run('coe', 'cluster', 'config', 'pki', '--dir', str(config_dir))
    assert again.returncode != 0 or 'exists' in again.stdout + again.stderr
    dev.ok('coe', 'cluster', 'config', 'pki', '--dir', str(config_dir), '--force')

    # ca show / ca sign with an openssl CSR.
    ca_pem = _ca(dev, 'pki', tmp_path / 'ca.pem')
    assert ca_pem.encode() in (ca_path.read_bytes())
    key, csr = tmp_path / 'me.key', tmp_path / 'me.csr'
    subprocess.run(['openssl', 'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout',
                    str(key), '-out', str(csr), '-subj', '/O=developers/CN=jane'],
                   check=True, capture_output=True)
    out = dev.ok('coe', 'ca', 'sign', 'pki', str(csr))
    [signed] = PEM.findall(out)
    signed_path = tmp_path / 'jane.pem'
    signed_path.write_text(signed + '\n')
    assert _verifies(tmp_path / 'ca.pem', signed_path)
    subject = subprocess.run(['openssl', 'x509', '-noout', '-subject', '-in',
                              str(signed_path)], capture_output=True, text=True,
                             check=True).stdout
    assert 'jane' in subject

    # Rotation revokes what was issued, and rebuilds the nodes against the new
    # CAs; the service-account key the masters sign tokens with stays.
    before = dev.heat_get(cluster)['stack']['parameters']
    dev.ok('coe', 'ca', 'rotate', 'pki')
    cluster = dev.wait('pki')
    assert cluster['status'] == 'UPDATE_COMPLETE', cluster
    after = dev.heat_get(cluster)['stack']['parameters']
    assert after['ca_generation'] != before['ca_generation'] != ''
    assert after['kube_service_account_key'] == before['kube_service_account_key']
    new_ca = _ca(dev, 'pki', tmp_path / 'new-ca.pem')
    assert new_ca != ca_pem
    assert not _verifies(tmp_path / 'new-ca.pem', cert_path)
    assert not _verifies(tmp_path / 'new-ca.pem', signed_path)
    # A fresh config verifies against the new CA.
    dev.ok('coe', 'cluster', 'config', 'pki', '--dir', str(config_dir), '--force')
    kubeconfig = yaml.safe_load((config_dir / 'config').read_text())
    new_cert = tmp_path / 'client-2.pem'
    new_cert.write_bytes(base64.b64decode(kubeconfig['users'][0]['user']
                                          ['client-certificate-data']))
    assert _verifies(tmp_path / 'new-ca.pem', new_cert)

    # Credential rotation (microversion 1.12+; the OSC plugin sends
    # ``OpenStack-API-Version: container-infra latest``).
    out = dev.ok('coe', 'credential', 'rotate', 'pki')
    assert 'accepted' in out.lower(), out
    cluster = dev.wait('pki')
    assert cluster['status'] == 'UPDATE_COMPLETE', cluster

    dev.ok('coe', 'cluster', 'delete', 'pki')
    assert dev.wait('pki')['status'] == 'NOT_FOUND'
    assert _secrets(dev) == (0, 0)
