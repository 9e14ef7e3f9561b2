"""Microversions of the container-infra API (spec §2).

Clients send ``OpenStack-API-Version: <service> <X.Y|latest>``; no header means
the minimum, 1.1. Responses echo the minimum, maximum and chosen version. The
history of what each version adds lives in ``HISTORY`` so that gates read as
``version >= FEATURES['resize']``.
"""
from __future__ import annotations

import functools
import re

HEADER = 'OpenStack-API-Version'
MIN_HEADER = 'OpenStack-API-Minimum-Version'
MAX_HEADER = 'OpenStack-API-Maximum-Version'
SERVICE_NAMES = ('container-infrastructure-management', 'container-infrastructure',
                 'container-infra')
ECHO_SERVICE = 'container-infrastructure-management'
HELP_URL = 'http://docs.openstack.org/api-guide/compute/microversions.html'

_VERSION_RE = re.compile(r'^([1-9][0-9]*)\.([0-9]|[1-9][0-9]+)$')


@functools.total_ordering
class Version:
    """A ``major.minor`` API version, comparable with another or with ``'1.9'``."""

    __slots__ = ('major', 'minor')

    def __init__(self, major: int, minor: int):
        self.major = major
        self.minor = minor

    @classmethod
    def parse(cls, text: str) -> 'Version':
        """:raises ValueError: when ``text`` is not exactly ``X.Y``."""
        match = _VERSION_RE.match(text)
        if not match:
            raise ValueError(text)
        return cls(int(match.group(1)), int(match.group(2)))

    def _key(self, other) -> tuple[int, int]:
        if isinstance(other, str):
            other = Version.parse(other)
        return other.major, other.minor

    def __eq__(self, other) -> bool:
        return (self.major, self.minor) == self._key(other)

    def __lt__(self, other) -> bool:
        return (self.major, self.minor) < self._key(other)

    def __hash__(self) -> int:
        return hash((self.major, self.minor))

    def __str__(self) -> str:
        return '%d.%d' % (self.major, self.minor)

    __repr__ = __str__


MIN_VERSION = Version(1, 1)
MAX_VERSION = Version(1, 14)

#: What each version brought; the API gates on these names.
HISTORY = {
    'async_ops': '1.2',
    'rollback': '1.3',
    'stats': '1.4',
    'ca_rotate': '1.5',
    'quotas': '1.6',
    'resize': '1.7',
    'upgrade': '1.8',
    'nodegroups': '1.9',
    'zero_node_count': '1.10',
    'no_bays': '1.11',
    'credential_rotate': '1.12',
    'cluster_id': '1.13',
    'node_labels_taints': '1.14',
}


class VersionNotAcceptable(Exception):
    """The header names no version this server serves.

    :param message: what was wrong, for the 406 body.
    :param unsupported: True when the version is well formed but out of range.
    """

    def __init__(self, message: str, *, unsupported: bool = False):
        super().__init__(message)
        self.message = message
        self.unsupported = unsupported


def parse_header(value: str | None) -> Version:
    """The version a request asks for.

    :param value: the ``OpenStack-API-Version`` header, or None.
    :raises VersionNotAcceptable: malformed, wrong service, or out of range.
    """
    if value is None or not value.strip():
        return MIN_VERSION
    parts = value.strip().split()
    if len(parts) != 2:
        raise VersionNotAcceptable(
            'Invalid value for %s header: %r. Expected "<service> <major>.<minor>" or '
            '"<service> latest" with service one of %s.'
            % (HEADER, value, ', '.join(SERVICE_NAMES)))
    service, text = parts
    if service.lower() not in SERVICE_NAMES:
        raise VersionNotAcceptable(
            'Invalid service type for %s header: %r. Allowed: %s.'
            % (HEADER, service, ', '.join(SERVICE_NAMES)))
    if text.lower() == 'latest':
        return MAX_VERSION
    try:
        version = Version.parse(text)
    except ValueError:
        raise VersionNotAcceptable(
            'Invalid value for %s header: version %r is not of the form <major>.<minor>.'
            % (HEADER, text))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise VersionNotAcceptable(
            'Version %s was requested but the minor version is not supported by this '
            'service. The supported version range is: [%s, %s].'
            % (version, MIN_VERSION, MAX_VERSION), unsupported=True)
    return version


def response_headers(version: Version | None) -> dict[str, str]:
    """Headers every ``/v1`` response carries."""
    headers = {
        MIN_HEADER: '%s %s' % (ECHO_SERVICE, MIN_VERSION),
        MAX_HEADER: '%s %s' % (ECHO_SERVICE, MAX_VERSION),
        'Vary': HEADER,
    }
    if version is not None:
        headers[HEADER] = '%s %s' % (ECHO_SERVICE, version)
    return headers


def unsupported_body(message: str, request_id: str = '') -> dict:
    """The 406 body clients expect for an out-of-range version."""
    return {'errors': [{
        'request_id': request_id,
        'links': [{'rel': 'help', 'href': HELP_URL}],
        'status': 406,
        'code': 'magnum.microversion-unsupported',
        'title': 'Requested microversion is unsupported',
        'detail': message,
        'max_version': str(MAX_VERSION),
        'min_version': str(MIN_VERSION),
    }]}
