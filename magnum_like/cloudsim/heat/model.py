"""Stacks and resources as the engine keeps them (plain, JSON-serialisable)."""

from __future__ import annotations

from typing import Any, Optional

# Fields copied verbatim to and from snapshots.
_STACK_FIELDS = ("id", "name", "project", "template", "files", "env", "user_params",
                 "params", "tags", "timeout_mins", "disable_rollback", "action", "status",
                 "reason", "created", "updated", "parent_id", "parent_resource",
                 "is_group", "deadline", "generation", "events", "removed_resources",
                 "conditions", "failure")
_RESOURCE_FIELDS = ("name", "type", "impl_type", "definition", "action", "status",
                    "reason", "physical_id", "props", "data", "nested_id", "created",
                    "updated", "deps", "condition_ok")


class Resource:
    """One resource of a stack.

    ``definition`` is the raw template snippet; ``props`` the properties as
    last resolved (what the resource was created/updated with); ``data`` is
    the type handler's private state (ids of what it made in other services).
    """

    def __init__(self, name: str, definition: dict[str, Any], impl_type: str) -> None:
        self.name = name
        self.type: str = definition["type"]
        self.impl_type = impl_type
        self.definition = definition
        self.action = "INIT"
        self.status = "COMPLETE"
        self.reason = ""
        self.physical_id: Optional[str] = None
        self.props: Optional[dict[str, Any]] = None
        self.data: dict[str, Any] = {}
        self.nested_id: Optional[str] = None
        self.created: Optional[str] = None
        self.updated: Optional[str] = None
        self.deps: list[str] = []
        self.condition_ok = True

    @property
    def state(self) -> str:
        """Heat's combined status string, e.g. ``CREATE_COMPLETE``."""
        return "%s_%s" % (self.action, self.status)

    def to_dict(self) -> dict[str, Any]:
        """Serialise for a snapshot."""
        return {field: getattr(self, field) for field in _RESOURCE_FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Resource":
        """Rebuild from a snapshot."""
        res = cls(data["name"], data["definition"], data["impl_type"])
        for field in _RESOURCE_FIELDS:
            setattr(res, field, data.get(field, getattr(res, field, None)))
        return res


class Stack:
    """One stack (top-level or nested)."""

    def __init__(self, *, stack_id: str, name: str, project: str) -> None:
        self.id = stack_id
        self.name = name
        self.project = project
        self.template: dict[str, Any] = {}
        self.files: dict[str, str] = {}
        self.env: dict[str, Any] = {}
        self.user_params: dict[str, Any] = {}
        self.params: dict[str, Any] = {}
        self.tags: list[str] = []
        self.timeout_mins: Optional[float] = None
        self.disable_rollback = True
        self.action = "CREATE"
        self.status = "IN_PROGRESS"
        self.reason = ""
        self.created: str = ""
        self.updated: Optional[str] = None
        self.parent_id: Optional[str] = None
        self.parent_resource: Optional[str] = None
        self.is_group = False
        self.deadline: Optional[float] = None
        # Bumped at each new action so stale scheduled steps are ignored.
        self.generation = 0
        self.events: list[dict[str, Any]] = []
        # Resources dropped from the template by an update, awaiting delete.
        self.removed_resources: list[str] = []
        self.conditions: dict[str, bool] = {}
        # (kind, path, message) of the failure that ended the last action.
        self.failure: Optional[list[str]] = None
        self.resources: dict[str, Resource] = {}
        # Transient: the running action's bookkeeping (rebuilt on resume).
        self.plan: Optional[Any] = None

    @property
    def state(self) -> str:
        """Heat's combined status string, e.g. ``CREATE_COMPLETE``."""
        return "%s_%s" % (self.action, self.status)

    @property
    def in_progress(self) -> bool:
        """Whether an action is running."""
        return self.status == "IN_PROGRESS"

    def to_dict(self) -> dict[str, Any]:
        """Serialise for a snapshot."""
        data = {field: getattr(self, field) for field in _STACK_FIELDS}
        data["resources"] = [res.to_dict() for res in self.resources.values()]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Stack":
        """Rebuild from a snapshot."""
        stack = cls(stack_id=data["id"], name=data["name"], project=data["project"])
        for field in _STACK_FIELDS:
            if field in data:
                setattr(stack, field, data[field])
        stack.resources = {r["name"]: Resource.from_dict(r) for r in data.get("resources", [])}
        return stack
