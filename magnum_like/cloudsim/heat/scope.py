"""Function-evaluation scope of one stack (parameters, resources, files)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from magnum_like.cloudsim.heat import functions
from magnum_like.cloudsim.heat.model import Stack
from magnum_like.cloudsim.heat.template import HeatError

if TYPE_CHECKING:  # pragma: no cover
    from magnum_like.cloudsim.heat.engine import Engine


class StackScope:
    """Implements :class:`functions.Scope` for ``stack``."""

    def __init__(self, engine: "Engine", stack: Stack) -> None:
        self.engine = engine
        self.stack = stack
        self._evaluating: set[str] = set()

    def param(self, name: str) -> Any:
        """Return a parameter (pseudo parameters included)."""
        if name == "OS::stack_id":
            return self.stack.id
        if name == "OS::stack_name":
            return self.stack.name
        if name == "OS::project_id":
            return self.stack.project
        if name not in self.stack.params:
            raise HeatError("The Parameter (%s) was not provided." % name,
                            "UserParameterMissing")
        return self.stack.params[name]

    def _resource(self, name: str) -> Any:
        res = self.stack.resources.get(name)
        if res is None:
            raise HeatError('The specified reference "%s" is incorrect.' % name,
                            "InvalidTemplateReference")
        return res

    def resource_ref(self, name: str) -> Any:
        """Return the reference id of a resource (None until it exists)."""
        res = self._resource(name)
        if not res.condition_ok:
            return None
        return self.engine.handler(res).ref(self.engine, self.stack, res)

    def resource_attr(self, name: str, attr: str, path: list[Any]) -> Any:
        """Return an attribute of a resource, following ``path``."""
        res = self._resource(name)
        if not res.condition_ok or res.action == "INIT":
            return None
        return self.engine.handler(res).attribute(self.engine, self.stack, res, attr, path)

    def file(self, name: str) -> str:
        """Return a file of the stack's files map."""
        if name not in self.stack.files:
            raise HeatError("Could not retrieve file %s: not in the files map." % name)
        return self.stack.files[name]

    def condition(self, name: str) -> bool:
        """Return a named condition, evaluating (and caching) it on first use."""
        if name in self.stack.conditions:
            return self.stack.conditions[name]
        definitions = self.stack.template.get("conditions") or {}
        if name not in definitions:
            raise HeatError('Invalid condition "%s"' % name)
        if name in self._evaluating:
            raise HeatError('Circular definition for condition "%s"' % name)
        self._evaluating.add(name)
        try:
            value = functions.evaluate_condition(definitions[name], self)
        finally:
            self._evaluating.discard(name)
        self.stack.conditions[name] = value
        return value
