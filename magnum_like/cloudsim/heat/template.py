"""HOT parsing: template versions, environments and parameter checking.

Messages follow Heat's wording so clients and tests see what they would see
against a real Heat.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Optional

import yaml

# Every HOT version Heat knows, with the release-name aliases Heat accepts.
_VERSIONS = {
    "2013-05-23": "2013-05-23", "2014-10-16": "2014-10-16", "2015-04-30": "2015-04-30",
    "2015-10-15": "2015-10-15", "2016-04-08": "2016-04-08", "2016-10-14": "2016-10-14",
    "newton": "2016-10-14", "2017-02-24": "2017-02-24", "ocata": "2017-02-24",
    "2017-09-01": "2017-09-01", "pike": "2017-09-01", "2018-03-02": "2018-03-02",
    "queens": "2018-03-02", "2018-08-31": "2018-08-31", "rocky": "2018-08-31",
    "2021-04-16": "2021-04-16", "wallaby": "2021-04-16",
}
_SECTIONS = {"heat_template_version", "description", "parameter_groups", "parameters",
             "resources", "outputs", "conditions"}
_PARAM_TYPES = ("string", "number", "boolean", "json", "comma_delimited_list")
PSEUDO_PARAMS = ("OS::stack_id", "OS::stack_name", "OS::project_id")


class HeatError(Exception):
    """An error Heat reports to the user; ``kind`` is Heat's exception class."""

    def __init__(self, message: str, kind: str = "StackValidationFailed",
                 status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.status = status


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML loader that keeps dates (heat_template_version) as strings."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp",
                        lambda loader, node: loader.construct_scalar(node))


@functools.lru_cache(maxsize=256)
def _yaml_load(text: str) -> Any:
    # Cached: a 1000-member group parses its member template once, not 1000
    # times.  Callers must treat the result as immutable (the engine does).
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def parse_template(source: Any) -> dict[str, Any]:
    """Parse a template given as text (YAML/JSON) or an already decoded dict."""
    if isinstance(source, (str, bytes)):
        try:
            data = _yaml_load(source if isinstance(source, str) else source.decode("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise HeatError("Error parsing template: %s" % exc, "HTTPBadRequest") from exc
    else:
        data = source
    if not isinstance(data, dict):
        raise HeatError("The template is not a JSON object or YAML mapping.", "HTTPBadRequest")
    version = data.get("heat_template_version")
    if version is None:
        raise HeatError("Template format version not found.", "InvalidTemplateVersion")
    if str(version) not in _VERSIONS:
        raise HeatError(
            'The template version is invalid: "heat_template_version: %s". '
            '"heat_template_version" should be one of: %s'
            % (version, ", ".join(sorted(_VERSIONS))), "InvalidTemplateVersions")
    for key in data:
        if key not in _SECTIONS:
            raise HeatError('The template section is invalid: %s' % key, "InvalidTemplateSection")
    for section in ("parameters", "resources", "outputs", "conditions"):
        value = data.get(section)
        if value is not None and not isinstance(value, dict):
            raise HeatError('"%s" must be a map' % section)
    for name, res in (data.get("resources") or {}).items():
        if not isinstance(res, dict) or not isinstance(res.get("type"), str):
            raise HeatError('Resource %s is missing "type"' % name)
    for name, param in (data.get("parameters") or {}).items():
        if not isinstance(param, dict) or param.get("type") is None:
            raise HeatError('Missing parameter type for parameter: %s' % name)
        if param["type"] not in _PARAM_TYPES:
            raise HeatError('Invalid type (%s)' % param["type"])
    return data


def parse_environment(source: Any) -> dict[str, Any]:
    """Parse an environment (text or dict) into its canonical sections."""
    if isinstance(source, (str, bytes)):
        try:
            source = _yaml_load(source if isinstance(source, str) else source.decode())
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise HeatError("Error parsing environment: %s" % exc, "HTTPBadRequest") from exc
    env = source or {}
    if not isinstance(env, dict):
        raise HeatError("The environment is not a valid YAML mapping data type.",
                        "HTTPBadRequest")
    for key in env:
        if key not in ("parameters", "parameter_defaults", "resource_registry",
                       "event_sinks", "encrypted_param_names", "parameter_merge_strategies"):
            raise HeatError("environment has wrong section \"%s\"" % key, "HTTPBadRequest")
    return {
        "parameters": dict(env.get("parameters") or {}),
        "parameter_defaults": dict(env.get("parameter_defaults") or {}),
        "resource_registry": dict(env.get("resource_registry") or {}),
        "event_sinks": list(env.get("event_sinks") or []),
    }


def merge_environments(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into ``base`` (later environment files win)."""
    merged = {
        "parameters": {**base.get("parameters", {}), **override.get("parameters", {})},
        "parameter_defaults": {**base.get("parameter_defaults", {}),
                               **override.get("parameter_defaults", {})},
        "resource_registry": dict(base.get("resource_registry", {})),
        "event_sinks": base.get("event_sinks", []) + override.get("event_sinks", []),
    }
    for key, value in override.get("resource_registry", {}).items():
        old = merged["resource_registry"].get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            merged["resource_registry"][key] = {**old, **value}
        else:
            merged["resource_registry"][key] = value
    return merged


def build_environment(environment: Any, environment_files: Optional[list[str]],
                      files: dict[str, str]) -> dict[str, Any]:
    """Combine the request's environment with its ``environment_files``."""
    env = parse_environment(environment)
    for name in environment_files or []:
        if name not in files:
            raise HeatError("File %s was not found in the files map." % name, "HTTPBadRequest")
        env = merge_environments(env, parse_environment(files[name]))
    return env


def resolve_type(type_name: str, registry: dict[str, Any]) -> str:
    """Map a resource type through the environment's resource registry."""
    seen = set()
    while type_name in registry and isinstance(registry[type_name], str):
        if type_name in seen:
            break
        seen.add(type_name)
        target = registry[type_name]
        if target == type_name:
            break
        type_name = target
    return type_name


# -- parameters -------------------------------------------------------------

def _coerce(name: str, ptype: str, value: Any) -> Any:
    """Convert a supplied value to the parameter's type, Heat-style."""
    if ptype == "string":
        if isinstance(value, (dict, list)):
            raise HeatError("Parameter '%s' is invalid: Value must be a string" % name)
        return "" if value is None else (str(value).lower() if isinstance(value, bool)
                                         else str(value))
    if ptype == "number":
        if isinstance(value, bool):
            raise HeatError("Parameter '%s' is invalid: Value '%s' is not an integer"
                            % (name, value))
        if isinstance(value, (int, float)):
            return value
        text = str(value).strip()
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                raise HeatError("Parameter '%s' is invalid: could not convert string to "
                                "float: '%s'" % (name, value)) from None
    if ptype == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in ("true", "t", "on", "y", "yes", "1"):
            return True
        if text in ("false", "f", "off", "n", "no", "0"):
            return False
        raise HeatError('Parameter \'%s\' is invalid: Unrecognized value "%s", acceptable '
                        'values are: 0, 1, f, false, n, no, off, on, t, true, y, yes'
                        % (name, value))
    if ptype == "json":
        if isinstance(value, (dict, list)):
            return value
        try:
            return json.loads(value) if value not in (None, "") else {}
        except (TypeError, ValueError) as exc:
            raise HeatError("Parameter '%s' is invalid: Value must be valid JSON: %s"
                            % (name, exc)) from None
    # comma_delimited_list
    if isinstance(value, list):
        return [str(v) for v in value]
    if value in (None, ""):
        return []
    return [part.strip() for part in str(value).split(",")]


def _check_constraints(name: str, ptype: str, value: Any, constraints: list[Any]) -> None:
    for constraint in constraints or []:
        if not isinstance(constraint, dict):
            continue
        desc = constraint.get("description")
        problem = None
        if "allowed_values" in constraint:
            allowed = constraint["allowed_values"]
            items = value if isinstance(value, list) else [value]
            for item in items:
                if item not in allowed and str(item) not in [str(a) for a in allowed]:
                    problem = '"%s" is not an allowed value [%s]' % (
                        item, ", ".join(str(a) for a in allowed))
        elif "range" in constraint:
            rng = constraint["range"] or {}
            low, high = rng.get("min"), rng.get("max")
            if (low is not None and value < low) or (high is not None and value > high):
                problem = "%s is out of range (min: %s, max: %s)" % (value, low, high)
        elif "length" in constraint:
            rng = constraint["length"] or {}
            low, high = rng.get("min"), rng.get("max")
            size = len(value) if value is not None else 0
            if (low is not None and size < low) or (high is not None and size > high):
                problem = 'length (%d) is out of range (min: %s, max: %s)' % (size, low, high)
        elif "allowed_pattern" in constraint:
            pattern = constraint["allowed_pattern"]
            if not re.fullmatch(pattern, str(value)):
                problem = '"%s" does not match pattern "%s"' % (value, pattern)
        # custom_constraint (nova.flavor, glance.image, ...) is accepted unchecked.
        if problem:
            raise HeatError("Parameter '%s' is invalid: %s" % (name, desc or problem))


def resolve_parameters(template: dict[str, Any], supplied: dict[str, Any],
                       defaults: dict[str, Any], *, strict: bool = True) -> dict[str, Any]:
    """Check and type parameters; ``supplied`` beats ``defaults`` beats template defaults.

    :param strict: reject supplied parameters the template does not declare
        (Heat does for a top-level stack's ``parameters``).
    :raises HeatError: with Heat's message for the first problem found.
    """
    declared = template.get("parameters") or {}
    if strict:
        for name in supplied:
            if name not in declared:
                raise HeatError("The Parameter (%s) was not defined in template." % name,
                                "UnknownUserParameter")
    values: dict[str, Any] = {}
    for name, schema in declared.items():
        ptype = schema.get("type", "string")
        if name in supplied:
            raw = supplied[name]
        elif name in defaults:
            raw = defaults[name]
        elif "default" in schema:
            raw = schema["default"]
        else:
            raise HeatError("The Parameter (%s) was not provided." % name,
                            "UserParameterMissing")
        value = _coerce(name, ptype, raw)
        if name in supplied or name in defaults or raw is not None:
            _check_constraints(name, ptype, value, schema.get("constraints") or [])
        values[name] = value
    return values
