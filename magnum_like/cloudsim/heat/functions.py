"""HOT intrinsic functions and conditions.

:func:`resolve` walks a template snippet and evaluates every function call
against a :class:`Scope` (parameters, resources, files, conditions).
:func:`references` finds the resources a snippet depends on without
evaluating it, so the engine can build the dependency graph in one pass.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from typing import Any, Iterator, Optional, Protocol
from urllib.parse import quote, urlencode

from magnum_like.cloudsim.heat.template import HeatError

# Functions Heat has that the simulator deliberately does not implement:
# using one fails the stack with a clear reason instead of being treated as data.
UNSUPPORTED = {"yaql", "resource_facade", "Fn::GetAZs", "Fn::Base64", "Fn::Join",
               "Fn::Select", "Fn::Split", "Fn::Replace", "Fn::GetAtt", "Ref",
               "Fn::MemberListToMap", "Fn::ResourceFacade", "get_attr_all"}

CONDITION_FUNCS = {"equals", "not", "and", "or", "contains"}

#: What a two-argument ``if`` (HOT 2021-04-16) gives when its condition is
#: false: the property, map key or list item holding it is left out.
OMITTED = Ellipsis


class Scope(Protocol):
    """What function evaluation needs from a stack."""

    def param(self, name: str) -> Any:
        """Return a parameter's value; raises HeatError if undeclared."""

    def resource_ref(self, name: str) -> Any:
        """Return a resource's reference id (``get_resource``)."""

    def resource_attr(self, name: str, attr: str, path: list[Any]) -> Any:
        """Return a resource attribute, following ``path`` (``get_attr``)."""

    def file(self, name: str) -> str:
        """Return the contents of a file from the stack's files map."""

    def condition(self, name: str) -> bool:
        """Return the value of a named condition."""


def _function(snippet: Any) -> Optional[tuple[str, Any]]:
    if isinstance(snippet, dict) and len(snippet) == 1:
        key = next(iter(snippet))
        if key in FUNCTIONS or key in UNSUPPORTED or key in CONDITION_FUNCS:
            return key, snippet[key]
    return None


def resolve(snippet: Any, scope: Scope) -> Any:
    """Evaluate every intrinsic function in ``snippet``."""
    func = _function(snippet)
    if func is not None:
        name, args = func
        if name in UNSUPPORTED:
            raise HeatError('The function "%s" is not supported by the simulator.' % name,
                            "UnsupportedFunction")
        return FUNCTIONS[name](args, scope)
    if isinstance(snippet, dict):
        resolved = {key: resolve(value, scope) for key, value in snippet.items()}
        return {key: value for key, value in resolved.items() if value is not OMITTED}
    if isinstance(snippet, list):
        return [value for value in (resolve(item, scope) for item in snippet)
                if value is not OMITTED]
    return snippet


def references(snippet: Any) -> Iterator[str]:
    """Yield resource names referenced by ``get_resource`` / ``get_attr``."""
    stack = [snippet]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if len(item) == 1:
                key, args = next(iter(item.items()))
                if key == "get_resource" and isinstance(args, str):
                    yield args
                    continue
                if key == "get_attr" and isinstance(args, list) and args \
                        and isinstance(args[0], str):
                    yield args[0]
                    stack.extend(args[1:])
                    continue
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def follow_path(value: Any, path: list[Any]) -> Any:
    """Index into nested lists/dicts; a missing key gives ``None`` like Heat."""
    for key in path:
        if value is None:
            return None
        if isinstance(value, list):
            try:
                value = value[int(key)]
            except (ValueError, IndexError, TypeError):
                return None
        elif isinstance(value, dict):
            value = value.get(key, value.get(str(key)))
        else:
            return None
    return value


def _as_text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _args_list(name: str, args: Any, scope: Scope, minimum: int = 1) -> list[Any]:
    args = resolve(args, scope)
    if not isinstance(args, list) or len(args) < minimum:
        raise HeatError('Arguments to "%s" must be a list of at least %d items'
                        % (name, minimum))
    return args


# -- the functions ---------------------------------------------------------

def _get_param(args: Any, scope: Scope) -> Any:
    args = resolve(args, scope)
    if isinstance(args, str):
        args = [args]
    if not isinstance(args, list) or not args or not isinstance(args[0], str):
        raise HeatError('Arguments to "get_param" must be a parameter name or path')
    return follow_path(scope.param(args[0]), args[1:])


def _get_resource(args: Any, scope: Scope) -> Any:
    args = resolve(args, scope)
    if not isinstance(args, str):
        raise HeatError('Argument to "get_resource" must be a string')
    return scope.resource_ref(args)


def _get_attr(args: Any, scope: Scope) -> Any:
    args = _args_list("get_attr", args, scope, 2)
    return scope.resource_attr(str(args[0]), str(args[1]), list(args[2:]))


def _get_file(args: Any, scope: Scope) -> Any:
    args = resolve(args, scope)
    if not isinstance(args, str):
        raise HeatError('Argument to "get_file" must be a string')
    return scope.file(args)


def _str_replace(args: Any, scope: Scope, strict: bool = False) -> Any:
    args = resolve(args, scope)
    fname = "str_replace_strict" if strict else "str_replace"
    if not isinstance(args, dict) or "template" not in args or "params" not in args:
        raise HeatError('"%s" parameters must be a mapping with template and params' % fname)
    text, params = args["template"], args["params"]
    if not isinstance(params, dict):
        raise HeatError('"%s" params must be a map' % fname)
    text = _as_text(text)
    # Longest keys first, so "$a_b" is not clobbered by "$a" (Heat does the same).
    for key in sorted(params, key=lambda k: -len(str(k))):
        if strict and str(key) not in text:
            raise HeatError('The following params were not found in the template: %s' % key)
        text = text.replace(str(key), _as_text(params[key]))
    return text


def _list_join(args: Any, scope: Scope) -> str:
    args = _args_list("list_join", args, scope, 2)
    delim, parts = args[0], []
    for item in args[1:]:
        if item is None:
            continue
        if not isinstance(item, list):
            raise HeatError('Incorrect arguments to "list_join": must be lists')
        parts.extend(_as_text(x) for x in item)
    return _as_text(delim).join(parts)


def _substitute(template: Any, values: dict[str, Any]) -> Any:
    if isinstance(template, str):
        for key, value in values.items():
            if key in template:
                if template == key:
                    return value
                template = template.replace(key, _as_text(value))
        return template
    if isinstance(template, dict):
        return {_substitute(k, values): _substitute(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_substitute(v, values) for v in template]
    return template


def _repeat(args: Any, scope: Scope) -> Any:
    if not isinstance(args, dict) or "for_each" not in args or "template" not in args:
        raise HeatError('"repeat" syntax should be {"for_each": {...}, "template": ...}')
    for_each = resolve(args["for_each"], scope)
    if not isinstance(for_each, dict) or not all(isinstance(v, list) for v in for_each.values()):
        raise HeatError('The values of the "for_each" argument to "repeat" must be lists')
    keys = list(for_each)
    if args.get("permutations", True):
        combos = list(itertools.product(*(for_each[k] for k in keys)))
    else:
        combos = list(zip(*(for_each[k] for k in keys)))
    return [resolve(_substitute(args["template"], dict(zip(keys, combo))), scope)
            for combo in combos]


def _if(args: Any, scope: Scope) -> Any:
    # Heat accepts two items (no false branch) from HOT 2021-04-16 (wallaby);
    # the simulator does for every version.
    if not isinstance(args, list) or len(args) not in (2, 3):
        raise HeatError('Arguments to "if" must be a list of two or three items')
    if evaluate_condition(args[0], scope):
        return resolve(args[1], scope)
    return resolve(args[2], scope) if len(args) == 3 else OMITTED


def _str_split(args: Any, scope: Scope) -> Any:
    args = _args_list("str_split", args, scope, 2)
    parts = _as_text(args[1]).split(_as_text(args[0]))
    if len(args) > 2:
        try:
            return parts[int(args[2])]
        except (ValueError, IndexError):
            raise HeatError('Incorrect index to "str_split": %s' % args[2]) from None
    return parts


def _map_merge(args: Any, scope: Scope) -> Any:
    args = _args_list("map_merge", args, scope, 1)
    merged: dict[str, Any] = {}
    for item in args:
        if item is None:
            continue
        if not isinstance(item, dict):
            raise HeatError('Incorrect arguments to "map_merge": must be maps')
        merged.update(item)
    return merged


def _map_replace(args: Any, scope: Scope) -> Any:
    args = _args_list("map_replace", args, scope, 1)
    source = args[0] or {}
    spec = (args[1] if len(args) > 1 else {}) or {}
    if not isinstance(source, dict) or not isinstance(spec, dict):
        raise HeatError('Incorrect arguments to "map_replace"')
    keys, values = spec.get("keys") or {}, spec.get("values") or {}
    result = {}
    for key, value in source.items():
        new_key = keys.get(key, key)
        if new_key in result:
            raise HeatError('key replacement %s collides with a key in the input map' % new_key)
        result[new_key] = values.get(value, value) if isinstance(value, (str, int)) else value
    return result


def _digest(args: Any, scope: Scope) -> str:
    args = _args_list("digest", args, scope, 2)
    try:
        algo = hashlib.new(str(args[0]))
    except ValueError:
        raise HeatError('Algorithm must be one of %s' % sorted(hashlib.algorithms_available)) \
            from None
    algo.update(_as_text(args[1]).encode("utf-8"))
    return algo.hexdigest()


def _list_concat(args: Any, scope: Scope, unique: bool = False) -> list[Any]:
    args = _args_list("list_concat", args, scope, 1)
    result: list[Any] = []
    for item in args:
        if item is None:
            continue
        if not isinstance(item, list):
            raise HeatError('Incorrect arguments to "list_concat": must be lists')
        for element in item:
            if not unique or element not in result:
                result.append(element)
    return result


def _filter(args: Any, scope: Scope) -> list[Any]:
    args = _args_list("filter", args, scope, 2)
    remove, sequence = args[0] or [], args[1] or []
    if not isinstance(sequence, list):
        raise HeatError('Incorrect arguments to "filter": sequence must be a list')
    return [item for item in sequence if item not in remove]


def _make_url(args: Any, scope: Scope) -> str:
    args = resolve(args, scope)
    if not isinstance(args, dict):
        raise HeatError('Arguments to "make_url" must be a map')
    url = "%s://" % args["scheme"] if args.get("scheme") else ""
    if args.get("username"):
        url += quote(str(args["username"]), safe="")
        if args.get("password"):
            url += ":" + quote(str(args["password"]), safe="")
        url += "@"
    host = str(args.get("host", ""))
    url += "[%s]" % host if ":" in host and not host.startswith("[") else host
    if args.get("port") not in (None, ""):
        url += ":%s" % args["port"]
    path = str(args.get("path") or "")
    url += path if path.startswith("/") or not path else "/" + path
    if args.get("query"):
        url += "?" + urlencode(args["query"])
    if args.get("fragment"):
        url += "#" + quote(str(args["fragment"]))
    return url


def evaluate_condition(expr: Any, scope: Scope) -> bool:
    """Evaluate a condition expression (a name, a boolean or a function)."""
    if isinstance(expr, bool):
        return expr
    if isinstance(expr, str):
        lowered = expr.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        return scope.condition(expr)
    func = _function(expr)
    if func is None:
        raise HeatError("Invalid condition %r" % (expr,))
    name, args = func
    if name == "equals":
        values = resolve(args, scope)
        if not isinstance(values, list) or len(values) != 2:
            raise HeatError('Arguments to "equals" must be a list of two items')
        return bool(values[0] == values[1])
    if name == "not":
        return not evaluate_condition(args, scope)
    if name in ("and", "or"):
        if not isinstance(args, list) or len(args) < 2:
            raise HeatError('Arguments to "%s" must be a list of conditions' % name)
        results = (evaluate_condition(a, scope) for a in args)
        return all(results) if name == "and" else any(results)
    if name == "contains":
        values = resolve(args, scope)
        if not isinstance(values, list) or len(values) != 2 \
                or not isinstance(values[1], list):
            raise HeatError('Arguments to "contains" must be [value, list]')
        return values[0] in values[1]
    return bool(resolve(expr, scope))


FUNCTIONS = {
    "get_param": _get_param,
    "get_resource": _get_resource,
    "get_attr": _get_attr,
    "get_file": _get_file,
    "str_replace": _str_replace,
    "str_replace_strict": lambda a, s: _str_replace(a, s, strict=True),
    "str_replace_vstrict": lambda a, s: _str_replace(a, s, strict=True),
    "list_join": _list_join,
    "repeat": _repeat,
    "if": _if,
    "str_split": _str_split,
    "map_merge": _map_merge,
    "map_replace": _map_replace,
    "digest": _digest,
    "list_concat": _list_concat,
    "list_concat_unique": lambda a, s: _list_concat(a, s, unique=True),
    "filter": _filter,
    "make_url": _make_url,
    "equals": lambda a, s: evaluate_condition({"equals": a}, s),
    "not": lambda a, s: evaluate_condition({"not": a}, s),
    "and": lambda a, s: evaluate_condition({"and": a}, s),
    "or": lambda a, s: evaluate_condition({"or": a}, s),
    "contains": lambda a, s: evaluate_condition({"contains": a}, s),
}
