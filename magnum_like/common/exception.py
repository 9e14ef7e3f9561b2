"""Exceptions the service raises, each with the HTTP status the API maps it to.

One base class, ``MagnumLikeException``: a message template formatted with the
keyword arguments given, and ``code``, the HTTP status. The API's error hook
turns any of these into the OpenStack error body; anything else is a 500 whose
detail is never shown to the user.
"""
from __future__ import annotations


class MagnumLikeException(Exception):
    """Base of every error the service reports to its callers.

    :param message: a ready message; if omitted, ``msg_fmt % kwargs``.
    """

    msg_fmt = 'An unknown exception occurred.'
    code = 500
    #: a safe message may be shown to API users (every subclass is safe).
    safe = True

    def __init__(self, message: str | None = None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError, ValueError):
                message = self.msg_fmt
        self.message = str(message)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


# 400 ---------------------------------------------------------------------
class Invalid(MagnumLikeException):
    msg_fmt = 'Unacceptable parameters.'
    code = 400


class InvalidParameterValue(Invalid):
    msg_fmt = '%(err)s'


class InvalidName(Invalid):
    msg_fmt = 'Expected a name but received %(name)s.'


class InvalidUuidOrName(Invalid):
    msg_fmt = 'Expected a name or uuid but received %(uuid)s.'


class InvalidSortKey(Invalid):
    msg_fmt = 'Invalid sort_key: %(key)s. Allowed: %(allowed)s.'


class PatchError(Invalid):
    msg_fmt = "Couldn't apply patch '%(patch)s'. Reason: %(reason)s"


class NotSupported(Invalid):
    msg_fmt = '%(operation)s is not supported.'


class ClusterTemplateReferenced(Invalid):
    msg_fmt = 'ClusterTemplate %(clustertemplate)s is referenced by one or more clusters.'


class ClusterTypeNotSupported(Invalid):
    msg_fmt = ('Cluster type (%(server_type)s, %(os)s, %(coe)s) not supported.')


class ClusterDriverNotSupported(Invalid):
    msg_fmt = 'Cluster driver (%(driver_name)s) not supported.'


class ImageNotFound(Invalid):
    msg_fmt = 'Image %(image_id)s could not be found.'


class OSDistroFieldNotFound(Invalid):
    msg_fmt = 'Image %(image_id)s does not have the os_distro property.'


class FlavorNotFound(Invalid):
    msg_fmt = 'Unable to find flavor %(flavor)s.'


class ExternalNetworkNotFound(Invalid):
    msg_fmt = 'Unable to find external network %(network)s.'


class FixedNetworkNotFound(Invalid):
    msg_fmt = 'Unable to find fixed network %(network)s.'


class FixedSubnetNotFound(Invalid):
    msg_fmt = 'Unable to find fixed subnet %(subnet)s.'


class InvalidCsr(Invalid):
    msg_fmt = 'Received invalid csr: %(reason)s'


class TLSDisabled(Invalid):
    msg_fmt = 'Cluster %(cluster)s uses a template with TLS disabled: it has no certificates.'


class Conflict(MagnumLikeException):
    msg_fmt = 'Conflict.'
    code = 409


class ConflictMultipleResources(Conflict):
    msg_fmt = 'Multiple %(resource)s exist with the same name %(name)s. Please use the uuid instead.'


# 403 ---------------------------------------------------------------------
class NotAuthorized(MagnumLikeException):
    msg_fmt = 'Not authorized.'
    code = 403


class PolicyNotAuthorized(NotAuthorized):
    msg_fmt = 'Policy doesn\'t allow %(action)s to be performed.'


class ResourceLimitExceeded(NotAuthorized):
    msg_fmt = 'Resource limit exceeded: %(msg)s'


class AuthorizationFailure(NotAuthorized):
    msg_fmt = '%(client)s connection failed. %(message)s'


class ClusterTemplatePublishDenied(NotAuthorized):
    msg_fmt = 'Not authorized to set public or hidden flag for cluster template.'


# 404 ---------------------------------------------------------------------
class NotFound(MagnumLikeException):
    msg_fmt = 'Resource could not be found.'
    code = 404


class KeyPairNotFound(NotFound):
    # 404 as in Magnum: keypairs belong to users, so a cluster create names one
    # the requesting user does not have (templates are never checked).
    msg_fmt = 'Unable to find keypair %(keypair)s.'


class ClusterTemplateNotFound(NotFound):
    msg_fmt = 'ClusterTemplate %(clustertemplate)s could not be found.'


class ClusterNotFound(NotFound):
    msg_fmt = 'Cluster %(cluster)s could not be found.'


class NodeGroupNotFound(NotFound):
    msg_fmt = 'Nodegroup %(nodegroup)s could not be found.'


class MagnumServiceNotFound(NotFound):
    msg_fmt = 'A magnum service %(magnum_service_id)s could not be found.'


class QuotaNotFound(NotFound):
    msg_fmt = 'Quota %(msg)s could not be found.'


class FederationNotFound(NotFound):
    msg_fmt = 'Federation %(federation)s could not be found.'


class MemberNotFound(NotFound):
    msg_fmt = 'Cluster %(member)s is not a member of federation %(federation)s.'


class X509KeyPairNotFound(NotFound):
    msg_fmt = 'A key pair %(x509keypair)s could not be found.'


# 409 ---------------------------------------------------------------------
class ClusterTemplateAlreadyExists(Conflict):
    msg_fmt = 'A ClusterTemplate with UUID %(uuid)s already exists.'


class ClusterAlreadyExists(Conflict):
    msg_fmt = 'A cluster with UUID %(uuid)s already exists.'


class MagnumServiceAlreadyExists(Conflict):
    msg_fmt = 'A magnum service with ID %(id)s already exists.'


class QuotaAlreadyExists(Conflict):
    msg_fmt = 'Quota for project %(project_id)s already exists for resource %(resource)s.'


# 406 / 413 / 503 -----------------------------------------------------------
class NotAcceptable(MagnumLikeException):
    msg_fmt = 'Request not acceptable.'
    code = 406


class RequestEntityTooLarge(MagnumLikeException):
    msg_fmt = 'Request body is larger than %(limit)d bytes.'
    code = 413


class ServiceUnavailable(MagnumLikeException):
    msg_fmt = '%(service)s is unavailable: %(reason)s'
    code = 503


class NodeGroupAlreadyExists(Conflict):
    msg_fmt = 'A node group named %(name)s already exists in cluster %(cluster_id)s.'


class FederationAlreadyExists(Conflict):
    msg_fmt = 'A federation with UUID %(uuid)s already exists.'


class MemberAlreadyExists(Conflict):
    msg_fmt = 'Cluster %(member)s is already a member of federation %(federation)s.'


class ClusterHostsFederation(Conflict):
    msg_fmt = ('Cluster %(cluster)s hosts federation(s) %(federations)s: delete the '
               'federation(s) first.')


class X509KeyPairAlreadyExists(Conflict):
    msg_fmt = 'A key pair with UUID %(uuid)s already exists.'


# certificates and trust (PKI) -----------------------------------------------
class ClusterNotStable(Conflict):
    msg_fmt = 'Cluster %(cluster)s is in status %(status)s; %(operation)s needs one of: %(allowed)s.'


class CertificateStorageError(ServiceUnavailable):
    msg_fmt = 'Certificate storage (%(backend)s) failed: %(reason)s'


class CertificateNotFound(NotFound):
    msg_fmt = 'Certificate %(ref)s could not be found.'


class EncryptionKeyMissing(MagnumLikeException):
    msg_fmt = 'No encryption key configured: set %(option)s.'


class DecryptionFailed(MagnumLikeException):
    msg_fmt = 'Stored secret could not be decrypted with the configured keys.'


class TrusteeOrTrustToClusterFailed(MagnumLikeException):
    msg_fmt = 'Failed to create trustee or trust for cluster %(cluster)s: %(reason)s'
    code = 503


# clusters and node groups (API) --------------------------------------------
class ClusterBusy(Conflict):
    msg_fmt = ('Cluster %(cluster)s is busy: %(status)s (%(operation)s). '
               'Try again when it finishes.')


class InvalidClusterTemplateForUpgrade(Conflict):
    msg_fmt = 'Cluster template is not valid for upgrade: %(reason)s'


class ClusterAPIAddressUnavailable(Conflict):
    msg_fmt = ('Cluster %(cluster)s has no API address yet; node groups can be added '
               'once it is created.')


class ZeroNodeCountNotSupported(Invalid):
    msg_fmt = 'node_count: 0 is supported from API version 1.10 (requested %(version)s).'


class NGResizeOutBounds(Invalid):
    msg_fmt = ('Resizing nodegroup %(nodegroup)s to %(node_count)d nodes is outside its '
               'bounds: min_node_count=%(min_nc)s, max_node_count=%(max_nc)s.')


class CreateMasterNodeGroup(Invalid):
    msg_fmt = 'Creating master node groups is not supported: role must not be master.'


class DeletingDefaultNGNotSupported(Invalid):
    msg_fmt = 'Deleting a default node group (%(nodegroup)s) is not supported.'


class ClusterTemplateHidden(NotAuthorized):
    msg_fmt = ('Cluster template %(clustertemplate)s is hidden: new clusters cannot use it.')
