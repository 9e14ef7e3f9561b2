"""The Heat engine: stack actions driven resource by resource in dependency order.

Each action (CREATE, UPDATE, DELETE) builds a :class:`Plan` once: a count of
unfinished dependencies per resource and the reverse edges, so finishing a
resource touches only its dependents (linear in resources + references).
Steps run on the single :class:`Scheduler` thread; nested stacks (template
resources, ResourceGroup members) are ordinary stacks whose completion
calls back into the parent resource.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Optional

from magnum_like.cloudsim.heat import functions, reporting, template as tmpl, unhealthy
from magnum_like.cloudsim.heat.model import Resource, Stack
from magnum_like.cloudsim.heat.resources import Handler, ResourceFailure, UnknownType, \
    build_handlers
from magnum_like.cloudsim.heat.nested import GroupHandler, TemplateHandler
from magnum_like.cloudsim.heat.scheduler import Scheduler
from magnum_like.cloudsim.heat.scope import StackScope
from magnum_like.cloudsim.store import Store, now_iso

_TEMPLATE_HANDLER = TemplateHandler()
_GROUP_HANDLER = GroupHandler()
_UNKNOWN = UnknownType()
HANDLERS = build_handlers()


class Plan:
    """Bookkeeping of one running action of one stack (rebuilt on resume)."""

    def __init__(self, action: str, generation: int, phase: str = "main") -> None:
        self.action = action
        self.generation = generation
        self.phase = phase
        self.waiting: dict[str, int] = {}
        self.next: dict[str, list[str]] = {}
        self.remaining = 0


class Engine:
    """Owns every stack and runs their actions on the scheduler thread.

    :param delays: seconds a resource of a given type stays ``IN_PROGRESS``.
    :param notifier: object with ``emit(event_type, payload)`` or ``None``.
    """

    def __init__(self, store: Store, faults: Any, scheduler: Scheduler, *,
                 delays: Optional[dict[str, float]] = None, default_delay: float = 0.0,
                 notifier: Any = None) -> None:
        self.store = store
        self.faults = faults
        self.scheduler = scheduler
        self.delays = dict(delays or {})
        self.default_delay = default_delay
        self.notifier = notifier
        self.stacks: dict[str, Stack] = {}
        #: Heat's ``max_resources_per_stack`` (-1: none), see :mod:`.limits`.
        self.max_resources_per_stack = 1000

    # -- lookups ------------------------------------------------------------

    def handler(self, res: Resource) -> Handler:
        """Return the simulation handler of a resource's (registry-mapped) type."""
        impl = res.impl_type
        if impl in ("OS::Heat::ResourceGroup", "OS::Heat::AutoScalingGroup"):
            return _GROUP_HANDLER
        if impl in HANDLERS:
            return HANDLERS[impl]
        if impl.endswith((".yaml", ".yml", ".template")) or "://" in impl:
            return _TEMPLATE_HANDLER
        return _UNKNOWN

    def find_stack(self, project: str, name_or_id: str) -> Optional[Stack]:
        """Find a live stack of ``project`` by id or name."""
        stack = self.stacks.get(name_or_id)
        if stack is not None and stack.project == project:
            return stack
        for stack in self.stacks.values():
            if stack.name == name_or_id and stack.project == project:
                return stack
        return None

    def scope(self, stack: Stack) -> StackScope:
        """Return a function-evaluation scope for ``stack``."""
        return StackScope(self, stack)

    def delay_for(self, res: Resource) -> float:
        """Seconds a resource of this type takes (configured per type)."""
        return self.delays.get(res.type, self.delays.get(res.impl_type, self.default_delay))

    # -- building stacks ----------------------------------------------------

    def new_stack(self, *, project: str, name: str, template: Any, files: dict[str, str],
                  env: dict[str, Any], params: dict[str, Any], strict: bool = True,
                  parent: Optional[Stack] = None, parent_resource: Optional[str] = None
                  ) -> Stack:
        """Parse and check a stack without starting it.

        :raises HeatError: on a bad template or parameters (the API's 400).
        """
        stack = Stack(stack_id=str(uuid.uuid4()), name=name, project=project)
        stack.created = now_iso()
        stack.files = dict(files)
        stack.env = env
        if parent is not None:
            stack.parent_id = parent.id
            stack.parent_resource = parent_resource
        self._load_template(stack, template, params, strict)
        return stack

    def _load_template(self, stack: Stack, template: Any, params: dict[str, Any],
                       strict: bool) -> None:
        parsed = tmpl.parse_template(template)
        values = tmpl.resolve_parameters(
            parsed, {**stack.env.get("parameters", {}), **params},
            stack.env.get("parameter_defaults", {}), strict=strict)
        stack.template = parsed
        stack.user_params = dict(params)
        stack.params = values
        stack.conditions = {}
        self._sync_resources(stack)

    def _sync_resources(self, stack: Stack) -> None:
        """Make ``stack.resources`` match its template (keeping existing ones).

        Resources dropped by the template, or whose type changed, are parked
        under a private key and deleted by the update's cleanup phase.
        """
        scope = self.scope(stack)
        definitions = stack.template.get("resources") or {}
        registry = stack.env.get("resource_registry", {})
        # Validate every reference before mutating anything, so a rejected
        # update leaves the stack exactly as it was.
        all_deps: dict[str, list[str]] = {}
        for name, definition in definitions.items():
            deps = set(functions.references(definition.get("properties")))
            deps.update(functions.references(definition.get("metadata")))
            depends_on = definition.get("depends_on") or []
            deps.update([depends_on] if isinstance(depends_on, str) else depends_on)
            for dep in deps:
                if dep not in definitions:
                    raise tmpl.HeatError('The specified reference "%s" (in %s) is incorrect.'
                                         % (dep, name), "InvalidTemplateReference")
            all_deps[name] = sorted(deps)
        conditions = {}
        for name, definition in definitions.items():
            cond = definition.get("condition")
            conditions[name] = True if cond is None else \
                functions.evaluate_condition(cond, scope)
        old = stack.resources
        parked = {key: old[key] for key in stack.removed_resources if key in old}
        new: dict[str, Resource] = {}

        def park(res: Resource) -> None:
            key = "%s~removed~%s" % (res.name, uuid.uuid4().hex[:8])
            res.name = key
            parked[key] = res
            stack.removed_resources.append(key)

        for name, definition in definitions.items():
            impl = tmpl.resolve_type(definition["type"], registry)
            res = old.get(name)
            if res is None or res.type != definition["type"] or res.impl_type != impl:
                if res is not None and res.action != "INIT":
                    park(res)
                res = Resource(name, definition, impl)
            res.definition = definition
            res.condition_ok = conditions[name]
            res.deps = all_deps[name]
            new[name] = res
        for name, res in old.items():
            if name not in new and name not in parked and res.action != "INIT":
                park(res)
        new.update(parked)
        stack.resources = new

    # -- top-level actions ---------------------------------------------------

    def create(self, stack: Stack, *, tags: Optional[list[str]] = None,
               timeout_mins: Optional[float] = None, disable_rollback: bool = True) -> None:
        """Register a parsed stack and start creating it."""
        stack.tags = list(tags or [])
        stack.timeout_mins = timeout_mins
        stack.disable_rollback = disable_rollback
        self.stacks[stack.id] = stack
        self._begin(stack, "CREATE")

    def update(self, stack: Stack, *, template: Any, files: dict[str, str],
               env: dict[str, Any], params: dict[str, Any], strict: bool = True,
               tags: Optional[list[str]] = None, timeout_mins: Optional[float] = None) -> None:
        """Start updating ``stack`` to a new template/parameters (already merged).

        :raises HeatError: on a bad template or parameters; the stack is unchanged.
        """
        saved = (stack.template, stack.files, stack.env, stack.user_params, stack.params,
                 dict(stack.resources), list(stack.removed_resources), stack.conditions)
        stack.files = dict(files)
        stack.env = env
        try:
            self._load_template(stack, template, params, strict)
        except tmpl.HeatError:
            (stack.template, stack.files, stack.env, stack.user_params, stack.params,
             stack.resources, stack.removed_resources, stack.conditions) = saved
            raise
        if tags is not None:
            stack.tags = list(tags)
        if timeout_mins is not None:
            stack.timeout_mins = timeout_mins
        stack.updated = now_iso()
        self._begin(stack, "UPDATE")

    def delete(self, stack: Stack) -> None:
        """Start deleting ``stack`` (and, through resources, its nested stacks)."""
        self._cancel_nested(stack, "DELETE")
        self._begin(stack, "DELETE")

    def _begin(self, stack: Stack, action: str) -> None:
        stack.generation += 1
        stack.action, stack.status = action, "IN_PROGRESS"
        stack.reason = "Stack %s started" % action
        stack.failure = None
        stack.deadline = None
        if stack.timeout_mins and stack.parent_id is None and action != "DELETE":
            stack.deadline = time.time() + float(stack.timeout_mins) * 60.0
        self._event(stack, None, action, "IN_PROGRESS", stack.reason)
        self._notify(stack, "start")
        self.store.changed()
        self._start_plan(stack)

    def resume(self) -> None:
        """Restart the running action of every in-progress stack (after a restart)."""
        for stack in list(self.stacks.values()):
            if stack.in_progress:
                self._start_plan(stack)

    def _start_plan(self, stack: Stack) -> None:
        gen = stack.generation
        if stack.deadline is not None:
            self.scheduler.call_later(max(0.0, stack.deadline - time.time()),
                                      self._check_timeout, stack.id, gen)
        if self.faults.stack_hangs(stack.name):
            return
        if stack.action == "DELETE":
            names = list(stack.resources)
            self._run_delete_plan(stack, names, "main")
        else:
            self._run_forward_plan(stack)

    def _run_forward_plan(self, stack: Stack) -> None:
        plan = Plan(stack.action, stack.generation)
        names = [n for n in stack.resources if n not in stack.removed_resources]
        for name in names:
            plan.next.setdefault(name, [])
        for name in names:
            res = stack.resources[name]
            plan.waiting[name] = len(res.deps)
            for dep in res.deps:
                plan.next[dep].append(name)
        plan.remaining = len(names)
        stack.plan = plan
        if not names:
            self._phase_done(stack)
            return
        for name in names:
            if plan.waiting[name] == 0:
                self.scheduler.call_soon(self._start_resource, stack.id, name, plan.generation)

    def _run_delete_plan(self, stack: Stack, names: list[str], phase: str) -> None:
        plan = Plan(stack.action, stack.generation, phase)
        wanted = set(names)
        for name in names:
            plan.next.setdefault(name, [])
            plan.waiting.setdefault(name, 0)
        for name in names:
            # Reverse edges: a resource goes only after everything needing it.
            for dep in stack.resources[name].deps:
                if dep in wanted:
                    plan.waiting[dep] += 1
                    plan.next[name].append(dep)
        plan.remaining = len(names)
        stack.plan = plan
        if not names:
            self._phase_done(stack)
            return
        for name in names:
            if plan.waiting[name] == 0:
                self.scheduler.call_soon(self._delete_resource, stack.id, name, plan.generation)

    def _live(self, stack_id: str, gen: int) -> Optional[Stack]:
        stack = self.stacks.get(stack_id)
        if stack is None or stack.generation != gen or not stack.in_progress \
                or stack.plan is None:
            return None
        return stack

    # -- resource steps -------------------------------------------------------

    def _start_resource(self, stack_id: str, name: str, gen: int) -> None:
        stack = self._live(stack_id, gen)
        if stack is None:
            return
        res = stack.resources[name]
        if not res.condition_ok or res.data.get("_gen") == gen:
            self._resource_done(stack, res, gen, quiet=True)
            return
        handler = self.handler(res)
        if res.status == "IN_PROGRESS" and res.action in ("CREATE", "UPDATE"):
            # Resumed after a restart: the work was done before the stop, only
            # the wait (delay or nested stack) remains.
            child = self.stacks.get(res.nested_id or "")
            if child is not None:
                if child.in_progress:
                    return  # the child's completion wakes us.
                if child.status == "FAILED":
                    self.nested_finished_resume(stack, res, child)
                    return
                if handler.nested_done(self, stack, res, child):
                    return
            self.scheduler.call_later(self.delay_for(res), self._finish_resource,
                                      stack.id, name, gen)
            return
        try:
            props = functions.resolve(res.definition.get("properties") or {}, self.scope(stack))
            creating = res.action == "INIT" or res.state in ("CREATE_FAILED", "DELETE_COMPLETE")
            action = "CREATE" if creating else "UPDATE"
            # Marked unhealthy (CHECK_FAILED, itself or inside its nested stack):
            # an update replaces it, as Heat does (magnum-auto-healer's path).
            replace = not creating and res.state == "CHECK_FAILED"
            if replace and res.nested_id:
                unhealthy.mark_servers(self.stacks, res.nested_id)
                replace = False
            if (not creating and props == res.props and not handler.needs_update(self, stack, res)
                    and not unhealthy.marked(self.stacks, res)):
                self._resource_done(stack, res, gen, quiet=True)
                return
            reason = self.faults.resource_failure(res.type, action.lower()) or (
                self.faults.resource_failure(res.impl_type, action.lower())
                if res.impl_type != res.type else None)
            res.action, res.status, res.reason = action, "IN_PROGRESS", "state changed"
            if creating:
                res.created = now_iso()
            else:
                res.updated = now_iso()
            self._event(stack, res, action, "IN_PROGRESS", "state changed")
            if reason:
                raise ResourceFailure(reason)
            old_props, res.props = res.props, props
            if replace:
                handler.delete(self, stack, res)
                waiting = handler.create(self, stack, res)
            else:
                waiting = (handler.create(self, stack, res) if creating
                           else handler.update(self, stack, res, old_props))
        except ResourceFailure as exc:
            self._resource_failed(stack, res, exc.kind, name, exc.message)
            return
        except tmpl.HeatError as exc:
            self._resource_failed(stack, res, exc.kind, name, exc.message)
            return
        except Exception as exc:  # noqa: BLE001 - a simulator bug fails the stack, not the engine
            self._resource_failed(stack, res, "Error", name,
                                  "internal simulator error: %r" % (exc,))
            return
        if not waiting:
            self.scheduler.call_later(self.delay_for(res), self._finish_resource,
                                      stack.id, name, gen)

    def _finish_resource(self, stack_id: str, name: str, gen: int) -> None:
        stack = self._live(stack_id, gen)
        if stack is not None:
            self._resource_done(stack, stack.resources[name], gen)

    def _resource_done(self, stack: Stack, res: Resource, gen: int, quiet: bool = False) -> None:
        if not quiet:
            res.status, res.reason = "COMPLETE", "state changed"
            self._event(stack, res, res.action, "COMPLETE", "state changed")
        res.data["_gen"] = gen
        plan = stack.plan
        assert plan is not None
        plan.remaining -= 1
        for follower in plan.next.get(res.name, ()):
            plan.waiting[follower] -= 1
            if plan.waiting[follower] == 0:
                step = self._delete_resource if plan.action == "DELETE" or plan.phase == \
                    "cleanup" else self._start_resource
                self.scheduler.call_soon(step, stack.id, follower, gen)
        if plan.remaining == 0:
            self._phase_done(stack)

    def _delete_resource(self, stack_id: str, name: str, gen: int) -> None:
        stack = self._live(stack_id, gen)
        if stack is None:
            return
        res = stack.resources[name]
        if res.action == "INIT" or res.state == "DELETE_COMPLETE" or not res.condition_ok:
            self._resource_done(stack, res, gen, quiet=True)
            return
        res.action, res.status, res.reason = "DELETE", "IN_PROGRESS", "state changed"
        self._event(stack, res, "DELETE", "IN_PROGRESS", "state changed")
        try:
            reason = self.faults.resource_failure(res.type, "delete")
            if reason:
                raise ResourceFailure(reason)
            waiting = self.handler(res).delete(self, stack, res)
        except (ResourceFailure, tmpl.HeatError) as exc:
            self._resource_failed(stack, res, exc.kind, name.split("~")[0], exc.message)
            return
        except Exception as exc:  # noqa: BLE001 - a simulator bug fails the stack, not the engine
            self._resource_failed(stack, res, "Error", name.split("~")[0],
                                  "internal simulator error: %r" % (exc,))
            return
        if not waiting:
            self.scheduler.call_later(self.delay_for(res), self._finish_resource,
                                      stack.id, name, gen)

    def _resource_failed(self, stack: Stack, res: Resource, kind: str, path: str,
                         message: str) -> None:
        if stack.is_group and path.startswith(res.name):
            # Heat names group members by index: "group.resources[0]...".
            path = "[%s]%s" % (res.name, path[len(res.name):])
        res.status, res.reason = "FAILED", "%s: resources.%s: %s" % (kind, path, message)
        self._event(stack, res, res.action, "FAILED", res.reason)
        self._finish_stack(stack, ok=False, failure=[kind, path, message])

    # -- nested stacks --------------------------------------------------------

    def nested_finished(self, child: Stack, ok: bool) -> None:
        """Called when a nested stack's action ends; wakes its parent resource."""
        parent = self.stacks.get(child.parent_id or "")
        if parent is None or not parent.in_progress or parent.plan is None:
            return
        res = parent.resources.get(child.parent_resource or "")
        if res is None or res.status != "IN_PROGRESS" or res.nested_id != child.id:
            return
        gen = parent.generation
        if not ok:
            kind, path, message = child.failure or ["Error", "", child.reason]
            sep = "" if child.is_group else "."
            self._resource_failed(parent, res, kind,
                                  "%s.resources%s%s" % (res.name, sep, path), message)
            return
        if self.handler(res).nested_done(self, parent, res, child):
            return  # the handler started another step (e.g. the next rolling batch)
        self.scheduler.call_later(self.delay_for(res), self._finish_resource,
                                  parent.id, res.name, gen)

    def nested_finished_resume(self, parent: Stack, res: Resource, child: Stack) -> None:
        """Fail ``res`` because its nested stack failed while we were stopped."""
        kind, path, message = child.failure or ["Error", "", child.reason]
        sep = "" if child.is_group else "."
        self._resource_failed(parent, res, kind, "%s.resources%s%s" % (res.name, sep, path),
                              message)

    def nested_deleted(self, child: Stack) -> None:
        """Called when a nested stack is gone; finishes the parent's delete step."""
        parent = self.stacks.get(child.parent_id or "")
        if parent is None or not parent.in_progress or parent.plan is None:
            return
        for name, res in parent.resources.items():
            if res.nested_id == child.id and res.status == "IN_PROGRESS":
                res.nested_id = None
                if self.handler(res).nested_done(self, parent, res, child):
                    return
                self.scheduler.call_soon(self._finish_resource, parent.id, name,
                                         parent.generation)
                return

    def start_nested(self, parent: Stack, res: Resource, template: dict[str, Any],
                     params: dict[str, Any], *, is_group: bool = False) -> Stack:
        """Create the nested stack of ``res`` and start it."""
        env = {"parameters": {}, "resource_registry": parent.env.get("resource_registry", {}),
               "parameter_defaults": parent.env.get("parameter_defaults", {}),
               "event_sinks": []}
        name = "%s-%s-%s" % (parent.name, res.name, uuid.uuid4().hex[:12])
        child = self.new_stack(project=parent.project, name=name, template=template,
                               files=parent.files, env=env, params=params,
                               parent=parent, parent_resource=res.name)
        child.is_group = is_group
        child.tags = []
        res.nested_id = child.id
        res.physical_id = child.id
        self.stacks[child.id] = child
        self._begin(child, "CREATE")
        return child

    def update_nested(self, child: Stack, template: dict[str, Any],
                      params: dict[str, Any]) -> None:
        """Update a nested stack in place."""
        parent = self.stacks.get(child.parent_id or "")
        self.update(child, template=template, files=parent.files if parent else child.files,
                    env=child.env, params=params)

    def _cancel_nested(self, stack: Stack, why: str) -> None:
        for res in stack.resources.values():
            child = self.stacks.get(res.nested_id or "")
            if child is not None and child.in_progress and child.action != "DELETE":
                self._cancel_nested(child, why)
                child.generation += 1
                child.status = "FAILED"
                child.reason = "Stack %s cancelled" % child.action
                child.plan = None

    # -- ends of actions --------------------------------------------------------

    def _phase_done(self, stack: Stack) -> None:
        plan = stack.plan
        assert plan is not None
        if plan.phase == "main" and stack.action == "UPDATE" and stack.removed_resources:
            plan.phase = "cleanup"
            self._run_delete_plan(stack, list(stack.removed_resources), "cleanup")
            return
        if plan.phase == "cleanup":
            for key in stack.removed_resources:
                stack.resources.pop(key, None)
            stack.removed_resources = []
        self._finish_stack(stack, ok=True)

    def _check_timeout(self, stack_id: str, gen: int) -> None:
        stack = self.stacks.get(stack_id)
        if stack is None or stack.generation != gen or not stack.in_progress:
            return
        if stack.deadline is not None and time.time() < stack.deadline - 0.001:
            self.scheduler.call_later(stack.deadline - time.time(), self._check_timeout,
                                      stack_id, gen)
            return
        self._cancel_nested(stack, "timeout")
        for res in stack.resources.values():
            if res.status == "IN_PROGRESS":
                res.status = "FAILED"
                res.reason = "%s aborted (Task %s from stack timed out)" % (
                    res.action, res.action.lower())
        message = "%s timed out" % stack.action.title()
        self._finish_stack(stack, ok=False, failure=["Timeout", "", message], reason=message)

    def _finish_stack(self, stack: Stack, *, ok: bool, failure: Optional[list[str]] = None,
                      reason: Optional[str] = None) -> None:
        action = stack.action
        stack.plan = None
        stack.generation += 1
        if ok:
            stack.status = "COMPLETE"
            stack.reason = "Stack %s completed successfully" % action
        else:
            self._cancel_nested(stack, "failure")
            for res in stack.resources.values():
                if res.status == "IN_PROGRESS":
                    res.status, res.reason = "FAILED", "%s aborted" % res.action
            stack.status = "FAILED"
            stack.failure = failure
            if reason is None and failure is not None:
                reason = "Resource %s failed: %s: resources.%s: %s" % (
                    action, failure[0], failure[1], failure[2])
            stack.reason = reason or "Stack %s failed" % action
        if action != "CREATE":
            stack.updated = now_iso()
        self._event(stack, None, action, stack.status, stack.reason)
        self._notify(stack, "end" if ok else "error")
        self.store.changed()
        if action == "DELETE" and ok:
            self._forget(stack)
            if stack.parent_id:
                self.nested_deleted(stack)
            return
        if stack.parent_id:
            self.nested_finished(stack, ok)

    def _forget(self, stack: Stack) -> None:
        self.stacks.pop(stack.id, None)

    # -- events, notifications and outputs (see ``reporting``) -------------------

    def _event(self, stack: Stack, res: Optional[Resource], action: str, status: str,
               reason: str) -> None:
        reporting.record_event(stack, res, action, status, reason)

    def _notify(self, stack: Stack, phase: str) -> None:
        reporting.notify(self.notifier, stack, phase)

    def outputs(self, stack: Stack) -> list[dict[str, Any]]:
        """Resolve every output of ``stack`` (errors become ``output_error``)."""
        return reporting.resolve_outputs(stack, self.scope(stack))

    def output_value(self, stack: Stack, key: str) -> Any:
        """Resolve one output (``None`` if undefined or failing)."""
        return reporting.resolve_output(stack, key, self.scope(stack))

    # -- snapshots -------------------------------------------------------------

    def dump(self) -> list[dict[str, Any]]:
        """Serialise every stack."""
        return [stack.to_dict() for stack in self.stacks.values()]

    def load(self, data: list[dict[str, Any]]) -> None:
        """Replace every stack from a snapshot (call :meth:`resume` afterwards)."""
        self.stacks = {}
        for item in data:
            stack = Stack.from_dict(item)
            self.stacks[stack.id] = stack
