"""WSME field types shared by the API's resource types."""
from __future__ import annotations

import json
from typing import Callable

from oslo_utils import strutils
from oslo_utils import uuidutils
from wsme import types as wtypes



class UuidType(wtypes.UserType):
    """A UUID string."""

    basetype = wtypes.text
    name = 'uuid'

    @staticmethod
    def validate(value):
        if not uuidutils.is_uuid_like(value):
            raise ValueError('Expected a UUID but received %s.' % value)
        return value

    @staticmethod
    def frombasetype(value):
        return None if value is None else UuidType.validate(value)


class NameType(wtypes.UserType):
    """A resource name: non-empty text."""

    basetype = wtypes.text
    name = 'name'

    @staticmethod
    def validate(value):
        if not isinstance(value, str) or not value:
            raise ValueError('Expected a non-empty name but received %r.' % value)
        return value

    @staticmethod
    def frombasetype(value):
        return None if value is None else NameType.validate(value)


class BooleanType(wtypes.UserType):
    """A boolean that also accepts the strings 'true'/'false', 'yes'/'no', '1'/'0'."""

    basetype = wtypes.text
    name = 'boolean'

    @staticmethod
    def validate(value):
        if isinstance(value, bool):
            return value
        try:
            return strutils.bool_from_string(value, strict=True)
        except (ValueError, TypeError) as e:
            raise ValueError(str(e))

    @staticmethod
    def frombasetype(value):
        return None if value is None else BooleanType.validate(value)


class IntegerType(wtypes.UserType):
    """A whole number in [minimum, maximum]; also accepts a string of digits.

    WSME's own integer type crashes (500) on a JSON list, object or Infinity
    and silently truncates floats and booleans; this one refuses them (400).
    """

    basetype = wtypes.text
    name = 'integer'

    def __init__(self, minimum: int | None = None,
                 maximum: int | Callable[[], int] | None = None, limit: str | None = None):
        """:param maximum: the bound, or a callable reading it (an operator option).
        :param limit: what sets the bound, named in the error (``[cluster] ...``)."""
        self.minimum = minimum
        self._maximum = maximum
        self.limit = limit

    @property
    def maximum(self) -> int | None:
        return self._maximum() if callable(self._maximum) else self._maximum

    def validate(self, value):
        if isinstance(value, str) and value.strip().lstrip('-').isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError('expected an integer, got %s %r.'
                             % (type(value).__name__, value))
        if self.minimum is not None and value < self.minimum:
            raise ValueError('must be at least %d (got %d).' % (self.minimum, value))
        maximum = self.maximum
        if maximum is not None and value > maximum:
            raise ValueError('must be at most %d%s (got %d).' % (
                maximum, ' (%s)' % self.limit if self.limit else '', value))
        return value

    def frombasetype(self, value):
        return None if value is None else self.validate(value)


#: Largest value of a 32-bit signed INTEGER column (MariaDB, PostgreSQL).
INT_MAX = 2 ** 31 - 1

#: Longest create timeout, in minutes (a week): Heat holds a stack's timer that long.
MAX_TIMEOUT_MINUTES = 7 * 24 * 60

#: Where the bound of node and master counts comes from (named in 400s).
MAX_NODES_OPTION = '[cluster] max_nodes_per_cluster'


def max_nodes() -> int:
    """The operator's bound of a cluster's nodes (masters and workers together)."""
    from magnum_like import conf as ml_conf
    return ml_conf.CONF.cluster.max_nodes_per_cluster


def node_count_type(minimum: int = 0) -> 'IntegerType':
    """A node or master count, at most ``[cluster] max_nodes_per_cluster``."""
    return IntegerType(minimum=minimum, maximum=max_nodes, limit=MAX_NODES_OPTION)

#: Largest stored label map, serialised: a MariaDB TEXT column holds 65,535 bytes.
MAX_LABELS_BYTES = 65535


class AnyJsonType(wtypes.UserType):
    """Any JSON value (JSON-patch values, label maps given as objects or text)."""

    basetype = wtypes.text
    name = 'json'

    def __str__(self):
        return self.name

    @staticmethod
    def validate(value):
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise ValueError('%r is not JSON serializable' % (value,))
        return value

    @staticmethod
    def frombasetype(value):
        return AnyJsonType.validate(value)


class LabelsType(wtypes.UserType):
    """A map of label names to scalar values; values are kept as strings."""

    basetype = wtypes.text
    name = 'labels'

    @staticmethod
    def validate(value):
        if not isinstance(value, dict):
            raise ValueError('must be an object of key/value pairs, got %s.'
                             % type(value).__name__)
        result = {}
        for key, item in value.items():
            if isinstance(item, (dict, list)) or item is None:
                raise ValueError('the value of %r must be a string, number or boolean.' % key)
            if isinstance(item, bool):
                item = 'true' if item else 'false'
            result[str(key)] = str(item)
        size = len(json.dumps(result).encode('utf-8'))
        if size > MAX_LABELS_BYTES:
            raise ValueError('too large: %d bytes serialised, at most %d.'
                             % (size, MAX_LABELS_BYTES))
        return result

    @staticmethod
    def frombasetype(value):
        return None if value is None else LabelsType.validate(value)


uuid = UuidType()
name = NameType()
boolean = BooleanType()
jsontype = AnyJsonType()
labels = LabelsType()
