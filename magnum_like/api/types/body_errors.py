"""Body errors that name the field: WSME's JSON conversion, attribute by attribute.

WSME converts a JSON body into a resource type in one call; when a field's
value is refused by its type's conversion (``frombasetype``: a range, an
integer that is not one, a date that does not parse), the ``ValueError``
escapes to ``wsme.rest.json.parse``, which blames the whole body argument
(``Invalid input for field/attribute request``). :func:`install` registers a
converter for every resource type that does the same work but blames the
attribute, as WSME already does when assigning a value fails. Every route
whose body is a resource type benefits; nothing else changes.
"""
from __future__ import annotations

import threading

import wsme.exc
import wsme.rest.json
from wsme import types as wtypes

_LOCK = threading.Lock()


def resource_from_json(datatype, value):
    """``value`` (a parsed JSON object) as an instance of the resource ``datatype``.

    :raises UnknownAttribute: the object has keys the type does not declare.
    :raises InvalidInput: naming the attribute whose value is refused, or a
        mandatory attribute that is missing.
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError('expected a JSON object, got %s.' % type(value).__name__)
    attributes = wtypes.list_attributes(datatype)
    unknown = set(value) - {a.name for a in attributes}
    if unknown:
        raise wsme.exc.UnknownAttribute(None, unknown)
    obj = datatype()
    for attr in attributes:
        if attr.name not in value:
            if attr.mandatory:
                raise wsme.exc.InvalidInput(attr.name, None, 'Mandatory field missing.')
            continue
        raw = value[attr.name]
        try:
            converted = wsme.rest.json.fromjson(attr.datatype, raw)
        except wsme.exc.UnknownAttribute as error:
            error.add_fieldname(attr.name)
            raise
        except (ValueError, TypeError) as error:
            raise wsme.exc.InvalidInput(attr.name, raw, str(error))
        if getattr(attr, 'readonly', False):
            raise wsme.exc.InvalidInput(attr.name, converted, 'Cannot set read only field.')
        setattr(obj, attr.key, converted)
    return wtypes.validate_value(datatype, obj)


def install() -> None:
    """Convert every resource type's JSON with :func:`resource_from_json` (idempotent)."""
    with _LOCK:
        if not wsme.rest.json.fromjson.has_type(wtypes.BaseMeta):
            # Resource types are classes whose metaclass is BaseMeta; WSME's generic
            # dispatches on the type of its first argument.
            wsme.rest.json.fromjson.when_type(wtypes.BaseMeta)(resource_from_json)
