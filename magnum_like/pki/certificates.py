"""Each cluster's trust domain: its CAs and the service's client certificate.

A cluster has a Kubernetes CA, an etcd CA and a front-proxy CA, plus the
certificate the service itself uses to reach the cluster's Kubernetes API
(CN ``admin``, O ``system:masters``, signed by the Kubernetes CA). All four are
kept by the configured cert manager; the cluster row holds only their
references (``ca_cert_ref``, ``etcd_ca_cert_ref``, ``front_proxy_ca_cert_ref``,
``magnum_cert_ref``).

Who calls what:

* the conductor: :func:`ensure_cluster_certificates` at create (before the
  stack), :func:`heat_parameters` when it builds the stack (the CA key only
  for clusters labelled ``cert_manager_api=true``),
  :func:`delete_cluster_certificates` once the stack is gone, and
  :func:`delete_refs` with the ``old_refs`` of a CA rotation once the stack
  update that hands the new CAs to the nodes has completed;
* the API: :func:`get_ca`, :func:`sign` and :func:`rotate_cluster_ca`.

Callers that change refs (ensure, delete, rotate) must hold the cluster (the
conductor's reservation, or the API's status check) so that two of them do not
replace each other's refs; refs replaced behind their back would never be deleted.
This module reads the cluster row but never writes it: those callers pass
their own writer (``save``; the conductor's is ``ClusterTask.save``).

Names. Certificates are stored before the row points at them, so a process
can die in between; the one that takes over must not make a second set and
leave the first (private keys) behind. Everything is stored under names made
from the cluster's uuid and its CA generation (``ca_generation``: 0 at
create, one more per rotation), ``magnum-like-ca-<uuid>-<generation>-<kind>``,
in the group ``magnum-like-ca-<uuid>-<generation>``: an attempt first adopts
what an earlier one stored under its generation's names (and removes what is
half-stored), and deleting a cluster removes every generation's names, up to
the one a rotation may have been storing, whether or not the row points at them.
"""
from __future__ import annotations

from typing import Any, Callable

from oslo_log import log as logging
from oslo_utils import strutils

from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.db import api as db
from magnum_like.pki import cert_manager
from magnum_like.pki import x509

LOG = logging.getLogger(__name__)

#: Writes cluster columns for the caller (the conductor's ``ClusterTask.save``,
#: under its reservation): this module reads the row but never writes it.
Saver = Callable[[dict[str, Any]], None]

KUBERNETES = 'kubernetes'
ETCD = 'etcd'
FRONT_PROXY = 'front_proxy'

#: CA type → the cluster column holding its reference.
CA_REF_FIELDS = {
    KUBERNETES: 'ca_cert_ref',
    ETCD: 'etcd_ca_cert_ref',
    FRONT_PROXY: 'front_proxy_ca_cert_ref',
}
CLIENT_REF_FIELD = 'magnum_cert_ref'
#: Ref column → the kind that ends the stored certificate's name.
_KINDS = {'ca_cert_ref': 'kubernetes-ca', 'etcd_ca_cert_ref': 'etcd-ca',
          'front_proxy_ca_cert_ref': 'front-proxy-ca', CLIENT_REF_FIELD: 'magnum-conductor'}
#: Every reference column of a cluster, in the order they are made.
REF_FIELDS = tuple(CA_REF_FIELDS.values()) + (CLIENT_REF_FIELD,)

#: Spellings of ``ca_cert_type`` the API accepts (``None``: the Kubernetes CA).
_CA_TYPE_ALIASES = {None: KUBERNETES, '': KUBERNETES, KUBERNETES: KUBERNETES, ETCD: ETCD,
                    FRONT_PROXY: FRONT_PROXY, 'front-proxy': FRONT_PROXY}

#: Heat parameter names of the CA certificates (public parts only).
HEAT_PARAMETERS = {KUBERNETES: 'kube_ca_cert', ETCD: 'etcd_ca_cert',
                   FRONT_PROXY: 'front_proxy_ca_cert'}
#: The label that ships the Kubernetes CA's private key to the masters, and the
#: name :func:`heat_parameters` gives the key.
CA_KEY_LABEL = 'cert_manager_api'
CA_KEY_PARAMETER = 'kube_ca_key'


def normalize_ca_type(value: str | None) -> str:
    """The canonical CA type for an API ``ca_cert_type``.

    :param value: unset, ``kubernetes``, ``etcd``, ``front_proxy`` or ``front-proxy``.
    :raises InvalidParameterValue: anything else.
    """
    try:
        return _CA_TYPE_ALIASES[value]
    except (KeyError, TypeError):
        raise exception.InvalidParameterValue(
            err='ca_cert_type: invalid value %r; allowed: kubernetes, etcd, front_proxy, '
                'front-proxy.' % (value,))


def _manager() -> cert_manager.CertManager:
    return cert_manager.get_cert_manager()


def _cluster(cluster_uuid: str) -> Any:
    return db.get_cluster_by_uuid(ml_context.get_admin_context(), cluster_uuid)


def _refs(cluster: Any) -> dict[str, str | None]:
    return {field: getattr(cluster, field) for field in REF_FIELDS}


def _ca_name(cluster: Any) -> str:
    return cluster.name or cluster.uuid


def _generation(cluster: Any) -> int:
    return cluster.ca_generation or 0


def group_name(cluster_uuid: str, generation: int) -> str:
    """What everything of one CA generation of a cluster is stored with."""
    return 'magnum-like-ca-%s-%d' % (cluster_uuid, generation)


def stored_names(cluster_uuid: str, generation: int) -> dict[str, str]:
    """``{ref column: name}`` of what one CA generation of a cluster stores."""
    group = group_name(cluster_uuid, generation)
    return {field: '%s-%s' % (group, kind) for field, kind in _KINDS.items()}


def _load(context: Any, ref: str) -> x509.KeyPair | None:
    try:
        stored = _manager().get_cert(context, ref)
    except exception.CertificateNotFound:
        return None
    return x509.KeyPair(stored.certificate, stored.private_key)


def _generate(context: Any, cluster: Any, fields: set[str], kube_ca: x509.KeyPair | None,
              generation: int) -> dict[str, str]:
    """Adopt or make and store what ``fields`` name; on failure remove what was made.

    What an earlier attempt stored under the generation's names is adopted
    (find_certs also removes what it half-stored); a client certificate is
    adopted only with the Kubernetes CA that signed it.
    """
    manager = _manager()
    names = stored_names(cluster.uuid, generation)
    group = group_name(cluster.uuid, generation)
    found = manager.find_certs(context, list(names.values()), group=group)
    result: dict[str, str] = {}
    made: dict[str, str] = {}
    new_kube_ca = False

    def store(field: str, pair: x509.KeyPair) -> None:
        made[field] = result[field] = manager.store_cert(
            context, pair.certificate, pair.private_key, name=names[field], group=group)

    try:
        for ca_type, field in CA_REF_FIELDS.items():
            if field not in fields:
                continue
            ref = found.get(names[field])
            pair = _load(context, ref) if ref and ca_type == KUBERNETES else None
            if ref and (pair is not None or ca_type != KUBERNETES):
                result[field] = ref
            else:
                if ref:
                    manager.delete_cert(context, ref)
                pair = x509.generate_ca(_ca_name(cluster))
                store(field, pair)
                new_kube_ca = new_kube_ca or ca_type == KUBERNETES
            if ca_type == KUBERNETES:
                kube_ca = pair
        if CLIENT_REF_FIELD in fields:
            ref = found.get(names[CLIENT_REF_FIELD])
            if ref and not new_kube_ca:
                result[CLIENT_REF_FIELD] = ref
            else:
                if ref:  # signed by a Kubernetes CA that is no more
                    manager.delete_cert(context, ref)
                if kube_ca is None:
                    raise exception.CertificateNotFound(ref='kubernetes CA of %s' % cluster.uuid)
                store(CLIENT_REF_FIELD, x509.generate_client_cert(kube_ca))
    except Exception:
        delete_refs(context, made)
        raise
    adopted = sorted(set(result) - set(made))
    if adopted:
        LOG.info('Cluster %s: adopted certificates an earlier attempt stored (%s)',
                 cluster.uuid, ', '.join(adopted))
    return result


def _save(context: Any, made: dict[str, str], save: Saver,
          values: dict[str, Any] | None = None) -> None:
    try:
        save(dict(values or {}, **made))
    except Exception:
        # The write refused (the reservation lost, the database down): nothing is
        # left unreferenced. A process that dies here instead leaves them under
        # the generation's names, which the next attempt adopts.
        delete_refs(context, made)
        raise


def ensure_cluster_certificates(context: Any, cluster_uuid: str, *,
                                save: Saver) -> dict[str, str]:
    """Give a cluster its CAs and client certificate, unless it has them.

    Idempotent: references already on the row are kept and nothing new is
    made for them (after a half-finished earlier attempt, only what is
    missing is made; a new Kubernetes CA also means a new client certificate).

    :param context: the request context (passed to the cert manager).
    :param cluster_uuid: the cluster.
    :param save: writes the new references: the conductor's
        ``ClusterTask.save``, so they are written under its reservation.
    :returns: ``{ref column: ref}`` for all four references.
    :raises ClusterNotFound:
    :raises CertificateStorageError: the cert manager failed (nothing is left behind).
    """
    cluster = _cluster(cluster_uuid)
    refs = _refs(cluster)
    missing = {field for field, ref in refs.items() if not ref}
    if not missing:
        return refs  # type: ignore[return-value]
    kube_ca = None
    if CA_REF_FIELDS[KUBERNETES] in missing:
        missing.add(CLIENT_REF_FIELD)
    elif CLIENT_REF_FIELD in missing:
        stored = _manager().get_cert(context, refs[CA_REF_FIELDS[KUBERNETES]])
        kube_ca = x509.KeyPair(stored.certificate, stored.private_key)
    replaced = {f: refs[f] for f in missing if refs[f]}
    made = _generate(context, cluster, missing, kube_ca, _generation(cluster))
    _save(context, made, save)
    # A name-derived ref may come back the same after a replacement: keep it.
    delete_refs(context, {f: r for f, r in replaced.items() if r not in made.values()})
    LOG.info('Cluster %s: certificates made (%s)', cluster_uuid, ', '.join(sorted(made)))
    refs.update(made)
    return refs  # type: ignore[return-value]


def delete_refs(context: Any, refs: dict[str, str | None] | list[str | None]) -> None:
    """Delete certificates by reference; empty and already deleted ones are skipped.

    :param context: the request context.
    :param refs: a ``{column: ref}`` dict (e.g. the ``old_refs`` of a rotation) or a list.
    :raises CertificateStorageError: the cert manager failed; the remaining refs are
        still tried and the first error is raised at the end.
    """
    values = refs.values() if isinstance(refs, dict) else refs
    failure: Exception | None = None
    for ref in values:
        if not ref:
            continue
        try:
            _manager().delete_cert(context, ref)
        except exception.MagnumLikeException as error:
            LOG.warning('Could not delete certificate %s: %s', ref, error)
            failure = failure or error
    if failure is not None:
        raise failure


def delete_cluster_certificates(context: Any, cluster_uuid: str, *, save: Saver) -> None:
    """Remove every certificate of a cluster and clear its references.

    The references on the row are deleted, then everything stored under the
    names of each of the cluster's CA generations (up to the one a rotation
    may have been storing when it died), which the row may never have
    pointed at.

    :param save: clears the references (the conductor's ``ClusterTask.save``).
    :raises ClusterNotFound:
    :raises CertificateStorageError: some could not be deleted; their refs stay on
        the row so a retry finds them (and the names are swept again).
    """
    cluster = _cluster(cluster_uuid)
    refs = {f: r for f, r in _refs(cluster).items() if r}
    kept: dict[str, str] = {}
    for field, ref in refs.items():
        try:
            delete_refs(context, [ref])
        except exception.MagnumLikeException:
            kept[field] = ref
    if refs:
        save({f: None for f in refs if f not in kept})
    if kept:
        raise exception.CertificateStorageError(
            backend=_manager().name, reason='could not delete %s' % ', '.join(sorted(kept)))
    for generation in range(_generation(cluster) + 2):
        _manager().delete_named(context, list(stored_names(cluster_uuid, generation).values()),
                                group=group_name(cluster_uuid, generation))
    LOG.info('Cluster %s: certificates deleted', cluster_uuid)


def rotate_cluster_ca(context: Any, cluster_uuid: str, *, save: Saver,
                      values: dict[str, Any] | None = None) -> dict[str, str | None]:
    """Replace a cluster's three CAs and its client certificate.

    The new references are written through ``save`` (with ``values``, in the
    same write: the API passes the operation it claimed; when ``values`` has
    ``operation_args``, the old references are added to it as ``old_refs`` so
    the row itself says what to delete later). The old certificates are not
    deleted: the nodes trust the old CAs until the stack update has handed
    them the new ones; the caller deletes them then with :func:`delete_refs`.

    :param context: the request context.
    :param cluster_uuid: the cluster.
    :param save: writes the new references with ``values`` (the API's write of
        the operation it claimed).
    :param values: more cluster columns to write with the new references.
    :returns: the old ``{ref column: ref}``.
    :raises ClusterNotFound:
    :raises CertificateStorageError: nothing changed, nothing left behind.
    """
    cluster = _cluster(cluster_uuid)
    old = _refs(cluster)
    values = dict(values or {})
    if 'operation_args' in values:
        values['operation_args'] = dict(values['operation_args'] or {}, old_refs=old)
    generation = _generation(cluster) + 1
    values['ca_generation'] = generation
    made = _generate(context, cluster, set(REF_FIELDS), None, generation)
    _save(context, made, save, values)
    LOG.info('Cluster %s: CAs rotated', cluster_uuid)
    return old


def _named(cluster: Any, what: str, fetch: Callable[[], Any]) -> Any:
    """``fetch()``; a certificate missing from the store is reported by the cluster's
    name for it, never by the store's reference (a Barbican URL is the service's)."""
    try:
        return fetch()
    except exception.CertificateNotFound:
        raise exception.CertificateNotFound(ref='%s of cluster %s' % (what, cluster.uuid)) \
            from None


def _stored(context: Any, cluster: Any, field: str, what: str) -> cert_manager.Cert:
    ref = getattr(cluster, field)
    if not ref:
        raise exception.CertificateNotFound(ref='%s of cluster %s' % (what, cluster.uuid))
    return _named(cluster, what, lambda: _manager().get_cert(context, ref))


def get_ca(context: Any, cluster: Any, ca_type: str | None = KUBERNETES) -> str:
    """The PEM certificate (never the key) of one of the cluster's CAs.

    :param cluster: the cluster row.
    :param ca_type: see :func:`normalize_ca_type`.
    :raises InvalidParameterValue: unknown CA type.
    :raises CertificateNotFound: the cluster has no such CA (yet).
    """
    ca_type = normalize_ca_type(ca_type)
    ref = getattr(cluster, CA_REF_FIELDS[ca_type])
    if not ref:
        raise exception.CertificateNotFound(ref='%s CA of cluster %s' % (ca_type, cluster.uuid))
    return _named(cluster, '%s CA' % ca_type, lambda: _manager().get_certificate(context, ref))


def sign(context: Any, cluster: Any, csr: str, ca_type: str | None = KUBERNETES) -> str:
    """Sign a CSR with one of the cluster's CAs (see :func:`x509.sign_csr`).

    :returns: the PEM certificate.
    :raises InvalidCsr:
    :raises InvalidParameterValue: unknown CA type.
    :raises CertificateNotFound: the cluster has no such CA (yet).
    """
    ca_type = normalize_ca_type(ca_type)
    x509.load_csr(csr)  # a bad CSR is the caller's 400 even if the CA is missing
    stored = _stored(context, cluster, CA_REF_FIELDS[ca_type], '%s CA' % ca_type)
    signed = x509.sign_csr(x509.KeyPair(stored.certificate, stored.private_key), csr)
    LOG.info('Cluster %s: signed a CSR with its %s CA for user %s', cluster.uuid, ca_type,
             getattr(context, 'user_id', None))
    return signed


def get_client_cert(context: Any, cluster: Any) -> tuple[str, cert_manager.Cert]:
    """The Kubernetes CA certificate and the service's client certificate and key.

    For the conductor's own calls to the cluster's Kubernetes API (health checks).

    :returns: ``(ca PEM, Cert)``.
    :raises CertificateNotFound:
    """
    ca = get_ca(context, cluster, KUBERNETES)
    return ca, _stored(context, cluster, CLIENT_REF_FIELD, 'client certificate')


def heat_parameters(context: Any, cluster: Any) -> dict[str, str]:
    """The CA certificates the nodes need, as Heat parameters.

    No private key, except for a cluster whose label ``cert_manager_api`` is
    true (spec §9.1): its masters sign CSRs themselves, so the Kubernetes CA's
    key is added as ``kube_ca_key`` (the driver hands it to a hidden Heat
    parameter; it is never logged).

    :returns: ``{'kube_ca_cert', 'etcd_ca_cert', 'front_proxy_ca_cert'}`` → PEM
        (and ``kube_ca_key``); the Kubernetes driver maps them onto its templates.
    :raises CertificateNotFound: certificates not made yet.
    """
    result = {param: get_ca(context, cluster, ca_type)
              for ca_type, param in HEAT_PARAMETERS.items()}
    if strutils.bool_from_string((cluster.labels or {}).get(CA_KEY_LABEL)):
        stored = _stored(context, cluster, CA_REF_FIELDS[KUBERNETES], 'kubernetes CA')
        result[CA_KEY_PARAMETER] = stored.private_key
    return result


#: Days a federation controller's credential for a member is valid. Short on
#: purpose: an unjoin deletes it from the host, but a copy taken before stays
#: usable against the member until it expires (Kubernetes has no revocation
#: of client certificates); every join and unjoin issues fresh ones.
FEDERATION_CERT_DAYS = 7


def federation_credential(context: Any, member: Any, federation_uuid: str) -> dict[str, str]:
    """A client certificate for the federation controller, signed by ``member``'s CA.

    The identity is the federation's own (CN ``kubefed-<federation uuid>``,
    no group): never the member's admin certificate, and the CA's key never
    leaves this function.

    :returns: ``{'ca', 'cert', 'key'}`` (PEM): the member's CA certificate, the
        certificate and its key.
    :raises CertificateNotFound: the member has no CA.
    """
    stored = _stored(context, member, CA_REF_FIELDS[KUBERNETES], 'kubernetes CA')
    pair = x509.generate_client_cert(x509.KeyPair(stored.certificate, stored.private_key),
                                     common_name='kubefed-%s' % federation_uuid,
                                     organization=None, days=FEDERATION_CERT_DAYS)
    return {'ca': stored.certificate, 'cert': pair.certificate, 'key': pair.private_key}
