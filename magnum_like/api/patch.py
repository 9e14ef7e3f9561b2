"""JSON-PATCH on API documents: the one helper every PATCH route uses (spec §1).

``add`` at the top level only for a known attribute that has no value yet
(otherwise ``replace``); ``replace`` of a map attribute accepts an object or a
string holding a Python/JSON literal; internal paths are never patchable;
mandatory or non-removable attributes cannot be removed.
"""
from __future__ import annotations

import ast
import json

import jsonpatch
import jsonpointer

from magnum_like.common import exception

INTERNAL_PATHS = ('/created_at', '/id', '/links', '/updated_at', '/uuid', '/project_id',
                  '/user_id')


def _literal(value):
    """A map given as a string: JSON first, then a Python literal."""
    if not isinstance(value, str):
        return value
    for parse in (json.loads, ast.literal_eval):
        try:
            return parse(value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return value


def apply_patch(document: dict, patch: list, *, map_fields: tuple = (),
                non_removable: tuple = (), internal: tuple = INTERNAL_PATHS) -> dict:
    """Apply ``patch`` (a list of op dicts) to a copy of ``document``.

    :param map_fields: attributes whose value may be given as a string literal.
    :param non_removable: attributes a ``remove`` may not touch.
    :raises PatchError: an operation is not allowed or does not apply.
    """
    if not isinstance(patch, list) or not patch:
        raise exception.PatchError(patch=patch, reason='the body must be a non-empty list '
                                                       'of JSON-patch operations')
    ops = []
    for item in patch:
        if not isinstance(item, dict):
            raise exception.PatchError(patch=item, reason='an operation must be an object')
        op, path = item.get('op'), item.get('path')
        if op not in ('add', 'replace', 'remove'):
            raise exception.PatchError(patch=item, reason="op must be one of add, replace, "
                                                          "remove (got %r)" % (op,))
        if not isinstance(path, str) or not path.startswith('/') or path == '/':
            raise exception.PatchError(patch=item, reason="path must be a JSON pointer such "
                                                          "as '/name' (got %r)" % (path,))
        top = '/' + path.lstrip('/').split('/')[0]
        attr = top[1:]
        if top in internal:
            raise exception.PatchError(patch=item, reason='%s is an internal attribute and '
                                                          'cannot be updated' % attr)
        if attr not in document:
            raise exception.PatchError(patch=item, reason="unknown attribute '%s'" % attr)
        if op == 'remove' and attr in non_removable:
            raise exception.PatchError(patch=item, reason="'%s' is a mandatory attribute "
                                                          "and can not be removed" % attr)
        if op in ('add', 'replace') and 'value' not in item:
            raise exception.PatchError(patch=item, reason="'value' is required for op %s" % op)
        # An empty map or list counts as no value: clients ``add`` the first labels.
        if op == 'add' and path == top and document.get(attr) not in (None, {}, [], ''):
            raise exception.PatchError(patch=item, reason="'%s' already has a value; use "
                                                          "op 'replace'" % attr)
        value = item.get('value')
        if attr in map_fields and path == top and op in ('add', 'replace'):
            value = _literal(value)
        entry = {'op': 'replace' if (op == 'add' and path == top) else op, 'path': path}
        if op != 'remove':
            entry['value'] = value
        ops.append(entry)
    try:
        return jsonpatch.apply_patch(document, ops)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException,
            TypeError, ValueError, KeyError, IndexError) as e:
        raise exception.PatchError(patch=patch, reason=str(e))
