"""Heat's REST API (v1) over the engine, as python-heatclient calls it.

Mounted at ``/orchestration``; paths are ``/v1/<project>/stacks...``.
"""

from __future__ import annotations

import re
from typing import Any, Optional

import webob

from magnum_like.cloudsim.heat import limits
from magnum_like.cloudsim.heat import template as tmpl
from magnum_like.cloudsim.heat import views
from magnum_like.cloudsim.heat.engine import Engine
from magnum_like.cloudsim.heat.model import Stack
from magnum_like.cloudsim.wsgi import HTTPError, Router, json_response, read_json_object, \
    reason_phrase

_EXPLANATIONS = {
    400: "The server could not comply with the request since it is either malformed or "
         "otherwise incorrect.",
    404: "The resource could not be found.",
    405: "The method specified is not allowed.",
    409: "There was a conflict when trying to complete your request.",
    503: "The server is currently unavailable. Please try again at a later time.",
}
_NAME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_.-]{0,254}$")
_TRUE = ("1", "true", "yes", "on", "t", "y")


def heat_error(exc: HTTPError) -> webob.Response:
    """Render an error in Heat's fault shape."""
    return json_response({
        "code": exc.status, "title": reason_phrase(exc.status),
        "explanation": _EXPLANATIONS.get(exc.status, exc.message),
        "error": {"type": exc.kind, "message": exc.message, "traceback": None},
    }, status=exc.status)


def _bad(exc: tmpl.HeatError) -> HTTPError:
    return HTTPError(exc.status, exc.message, exc.kind)


class HeatAPI:
    """Routes of the simulated Heat API."""

    def __init__(self, engine: Engine, lock: Any) -> None:
        self.engine = engine
        self.lock = lock
        r = self.router = Router(heat_error)
        r.add("GET", "/", self.versions)
        r.add("GET", "/v1/{project}/stacks", self.list_stacks)
        r.add("POST", "/v1/{project}/stacks", self.create_stack)
        r.add("POST", "/v1/{project}/validate", self.validate)
        r.add("GET", "/v1/{project}/build_info", self.build_info)
        r.add("GET", "/v1/{project}/stacks/{name}", self.lookup)
        # Single-identity sub-paths first: "/stacks/<n>/events" must not be
        # taken for "/stacks/<name>/<id>".
        for suffix in ("/{name}", "/{name}/{sid}"):
            base = "/v1/{project}/stacks" + suffix
            r.add("PUT", base, self.put_stack)
            r.add("PATCH", base, self.patch_stack)
            r.add("DELETE", base, self.delete_stack)
            r.add("GET", base + "/resources", self.list_resources)
            r.add("GET", base + "/resources/{res}", self.show_resource)
            r.add("PATCH", base + "/resources/{res}", self.mark_unhealthy)
            r.add("GET", base + "/resources/{res}/events", self.list_events)
            r.add("GET", base + "/events", self.list_events)
            r.add("GET", base + "/outputs", self.list_outputs)
            r.add("GET", base + "/outputs/{key}", self.show_output)
            r.add("GET", base + "/template", self.show_template)
            r.add("GET", base + "/environment", self.show_environment)
            r.add("GET", base + "/files", self.show_files)
        r.add("GET", "/v1/{project}/stacks/{name}/{sid}", self.show_stack)

    def __call__(self, req: webob.Request, path: str) -> webob.Response:
        """Dispatch a request whose path is relative to ``/orchestration``."""
        return self.router.dispatch(req, path)

    # -- helpers --------------------------------------------------------------

    @staticmethod
    def _base(req: webob.Request, project: str) -> str:
        return "%s/orchestration/v1/%s" % (req.host_url, project)

    def _stack(self, project: str, name: str, sid: Optional[str] = None) -> Stack:
        stack = self.engine.stacks.get(sid) if sid else self.engine.find_stack(project, name)
        if stack is None or stack.project != project or (sid and stack.name != name
                                                          and stack.id != name):
            raise HTTPError(404, "The Stack (%s) could not be found." % (sid or name),
                            "EntityNotFound")
        return stack

    @staticmethod
    def _files(body: dict[str, Any]) -> dict[str, str]:
        files = body.get("files") or {}
        if not isinstance(files, dict):
            raise HTTPError(400, "files must be a map of file names to contents")
        return {str(k): v if isinstance(v, str) else str(v) for k, v in files.items()}

    @staticmethod
    def _tags(value: Any) -> Optional[list[str]]:
        if value is None:
            return None
        if isinstance(value, list):
            return [str(v) for v in value]
        return [t.strip() for t in str(value).split(",") if t.strip()]

    @staticmethod
    def _timeout(value: Any) -> Optional[float]:
        # Unlike Heat, fractional minutes are accepted so tests can time out fast.
        if value in (None, ""):
            return None
        try:
            minutes = float(value)
        except (TypeError, ValueError):
            raise HTTPError(400, "Invalid timeout value %s" % value) from None
        if minutes <= 0:
            raise HTTPError(400, "Invalid timeout value %s" % value)
        return int(minutes) if minutes.is_integer() else minutes

    # -- stacks -----------------------------------------------------------------

    def versions(self, req: webob.Request) -> webob.Response:
        """Heat's version document."""
        return json_response({"versions": [{"id": "v1.0", "status": "CURRENT", "links": [
            {"href": req.host_url + "/orchestration/v1/", "rel": "self"}]}]}, status=300)

    def build_info(self, req: webob.Request, project: str) -> webob.Response:
        """Heat's build info."""
        return json_response({"api": {"revision": "cloudsim"},
                              "engine": {"revision": "cloudsim"}})

    def list_stacks(self, req: webob.Request, project: str) -> webob.Response:
        """List stacks with Heat's filters, tags and pagination.

        ``global_tenant=true`` lists every project's stacks (real Heat allows
        it only to callers its ``stacks:global_index`` policy admits, e.g.
        admin; the simulator has no Keystone and accepts it from anyone).
        """
        params = req.GET
        with self.lock:
            show_nested = str(params.get("show_nested", "")).lower() in _TRUE
            everywhere = str(params.get("global_tenant", "")).lower() in _TRUE
            stacks = [s for s in self.engine.stacks.values()
                      if (everywhere or s.project == project)
                      and (show_nested or s.parent_id is None)]
            for key, attr in (("id", "id"), ("name", "name"), ("status", "status"),
                              ("action", "action")):
                values = params.getall(key)
                if values:
                    wanted = set(values)
                    if key == "status":
                        stacks = [s for s in stacks if s.status in wanted or s.state in wanted]
                    else:
                        stacks = [s for s in stacks if getattr(s, attr) in wanted]
            for key in ("tags", "tags_any", "not_tags", "not_tags_any"):
                tags = set(self._tags(params.get(key)) or [])
                if not tags:
                    continue
                if key == "tags":
                    stacks = [s for s in stacks if tags <= set(s.tags)]
                elif key == "tags_any":
                    stacks = [s for s in stacks if tags & set(s.tags)]
                elif key == "not_tags":
                    stacks = [s for s in stacks if not tags <= set(s.tags)]
                else:
                    stacks = [s for s in stacks if not tags & set(s.tags)]
            reverse = params.get("sort_dir", "desc") == "desc"
            stacks.sort(key=lambda s: (s.created, s.id), reverse=reverse)
            marker = params.get("marker")
            if marker:
                ids = [s.id for s in stacks]
                if marker not in ids:
                    raise HTTPError(400, "The marker %s could not be found." % marker,
                                    "Invalid")
                stacks = stacks[ids.index(marker) + 1:]
            if params.get("limit"):
                try:
                    stacks = stacks[:max(0, int(params["limit"]))]
                except ValueError:
                    raise HTTPError(400, "Only integer is acceptable by 'limit'.") from None
            base = self._base(req, project)
            body = [views.stack_view(self.engine, base, s, detail=False) for s in stacks]
        return json_response({"stacks": body})

    def create_stack(self, req: webob.Request, project: str) -> webob.Response:
        """Create a stack; 201 with its id and link."""
        body = read_json_object(req)
        name = body.get("stack_name")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise HTTPError(400, 'Invalid stack name %s must contain only alphanumeric or '
                            '"_-." characters, must start with alpha and must be 255 '
                            'characters or less.' % name, "StackValidationFailed")
        if body.get("template") is None:
            raise HTTPError(400, "No template specified" if "template_url" not in body else
                            "template_url is not supported by the simulator; send template")
        params = body.get("parameters") or {}
        if not isinstance(params, dict):
            raise HTTPError(400, "parameters must be a map")
        files = self._files(body)
        timeout = self._timeout(body.get("timeout_mins"))
        with self.lock:
            if self.engine.find_stack(project, name) is not None:
                raise HTTPError(409, "The Stack (%s) already exists." % name, "StackExists")
            try:
                env = tmpl.build_environment(body.get("environment"),
                                             body.get("environment_files"), files)
                stack = self.engine.new_stack(project=project, name=name,
                                              template=body["template"], files=files,
                                              env=env, params=params)
                limits.check(self.engine, stack)
            except tmpl.HeatError as exc:
                raise _bad(exc) from None
            self.engine.create(stack, tags=self._tags(body.get("tags")), timeout_mins=timeout,
                               disable_rollback=bool(body.get("disable_rollback", True)))
            url = views.stack_url(self._base(req, project), stack)
        return json_response({"stack": {"id": stack.id, "links": [{"href": url,
                                                                   "rel": "self"}]}},
                             status=201)

    def lookup(self, req: webob.Request, project: str, name: str) -> webob.Response:
        """``GET /stacks/<name or id>``: 302 to the canonical URL, as Heat does."""
        with self.lock:
            stack = self._stack(project, name)
            url = views.stack_url(self._base(req, project), stack)
        if req.query_string:
            url += "?" + req.query_string
        resp = json_response({"code": 302, "title": "Found", "location": url}, status=302)
        resp.headers["Location"] = url
        return resp

    def show_stack(self, req: webob.Request, project: str, name: str,
                   sid: str) -> webob.Response:
        """Show one stack (outputs unless ``resolve_outputs=false``)."""
        resolve = str(req.GET.get("resolve_outputs", "true")).lower() in _TRUE
        with self.lock:
            stack = self._stack(project, name, sid)
            view = views.stack_view(self.engine, self._base(req, project), stack, detail=True,
                                    resolve_outputs=resolve)
        return json_response({"stack": view})

    def _update(self, req: webob.Request, project: str, name: str, sid: Optional[str],
                patch: bool) -> webob.Response:
        body = read_json_object(req)
        with self.lock:
            stack = self._stack(project, name, sid)
            if stack.in_progress:
                raise HTTPError(409, "Stack %s already has an action (%s) in progress."
                                % (stack.name, stack.action), "ActionInProgress")
            if stack.action == "DELETE":
                raise HTTPError(400, "Updating a stack when it is deleting is not supported.",
                                "NotSupported")
            new_files = self._files(body)
            params = body.get("parameters") or {}
            if not isinstance(params, dict):
                raise HTTPError(400, "parameters must be a map")
            try:
                if patch:
                    template = body.get("template") or stack.template
                    files = {**stack.files, **new_files}
                    env = tmpl.merge_environments(
                        stack.env, tmpl.build_environment(body.get("environment"),
                                                          body.get("environment_files"),
                                                          files))
                    merged = dict(stack.user_params)
                    for key in body.get("clear_parameters") or []:
                        merged.pop(key, None)
                    merged.update(params)
                else:
                    if body.get("template") is None:
                        raise HTTPError(400, "No template specified")
                    template, files, merged = body["template"], new_files, dict(params)
                    env = tmpl.build_environment(body.get("environment"),
                                                 body.get("environment_files"), files)
                limits.check_update(self.engine, stack, template, files, merged)
                self.engine.update(stack, template=template, files=files, env=env,
                                   params=merged, tags=self._tags(body.get("tags")),
                                   timeout_mins=self._timeout(body.get("timeout_mins")))
            except tmpl.HeatError as exc:
                raise _bad(exc) from None
        return json_response(None, status=202)

    def put_stack(self, req: webob.Request, project: str, name: str,
                  sid: Optional[str] = None) -> webob.Response:
        """Full update (PUT): the body replaces template, files and parameters."""
        return self._update(req, project, name, sid, patch=False)

    def patch_stack(self, req: webob.Request, project: str, name: str,
                    sid: Optional[str] = None) -> webob.Response:
        """PATCH update (``existing=True``): merge into the stored stack."""
        return self._update(req, project, name, sid, patch=True)

    def delete_stack(self, req: webob.Request, project: str, name: str,
                     sid: Optional[str] = None) -> webob.Response:
        """Start deleting a stack; 204."""
        with self.lock:
            stack = self._stack(project, name, sid)
            if stack.parent_id is not None:
                raise HTTPError(400, "Deleting a nested stack directly is not supported.",
                                "NotSupported")
            # Heat cancels whatever the stack is doing (a stuck delete too) and
            # starts the delete again.
            self.engine.delete(stack)
        resp = webob.Response(status=204)
        resp.content_type = None  # type: ignore[assignment]
        return resp

    def validate(self, req: webob.Request, project: str) -> webob.Response:
        """``POST /validate``: parse and check a template and its parameters."""
        body = read_json_object(req)
        if body.get("template") is None:
            raise HTTPError(400, "No template specified")
        files = self._files(body)
        try:
            parsed = tmpl.parse_template(body["template"])
            env = tmpl.build_environment(body.get("environment"),
                                         body.get("environment_files"), files)
            for res_name, res in (parsed.get("resources") or {}).items():
                rtype = tmpl.resolve_type(res["type"], env["resource_registry"])
                if rtype.endswith((".yaml", ".yml", ".template")) and rtype not in files:
                    raise tmpl.HeatError('Could not fetch remote template "%s"' % rtype)
            if body.get("parameters"):
                tmpl.resolve_parameters(parsed, {**env["parameters"], **body["parameters"]},
                                        env["parameter_defaults"])
        except tmpl.HeatError as exc:
            raise _bad(exc) from None
        return json_response(views.validate_view(parsed))

    # -- resources, events, outputs -----------------------------------------------

    def list_resources(self, req: webob.Request, project: str, name: str,
                       sid: Optional[str] = None) -> webob.Response:
        """List resources, recursing ``nested_depth`` levels, with Heat's filters."""
        params = req.GET
        try:
            depth = int(params.get("nested_depth", 0) or 0)
        except ValueError:
            raise HTTPError(400, "Only integer is acceptable by 'nested_depth'.") from None
        filters = {key: set(params.getall(key)) for key in
                   ("type", "status", "name", "action", "id", "physical_resource_id")
                   if params.getall(key)}
        detail = str(params.get("with_detail", "")).lower() in ("true", "1", "yes")
        with self.lock:
            stack = self._stack(project, name, sid)
            base = self._base(req, project)
            result: list[dict[str, Any]] = []
            todo: list[tuple[Stack, int, Optional[str]]] = [(stack, depth, None)]
            while todo:
                current, level, parent = todo.pop(0)
                required = views.required_by_map(current)
                for res in current.resources.values():
                    if self._matches(res, filters):
                        result.append(views.resource_view(
                            self.engine, base, current, res, required.get(res.name, []),
                            parent=parent if depth else None, detail=detail))
                    child = self.engine.stacks.get(res.nested_id or "")
                    if child is not None and level > 0:
                        todo.append((child, level - 1, res.name))
        return json_response({"resources": result})

    @staticmethod
    def _matches(res: Any, filters: dict[str, set[str]]) -> bool:
        for key, wanted in filters.items():
            if key == "type" and res.type not in wanted and res.impl_type not in wanted:
                return False
            if key == "status" and res.status not in wanted and res.state not in wanted:
                return False
            if key == "action" and res.action not in wanted:
                return False
            if key == "name" and res.name not in wanted:
                return False
            if key in ("id", "physical_resource_id") and res.physical_id not in wanted:
                return False
        return True

    def _resource(self, stack: Stack, res_name: str) -> Any:
        res = stack.resources.get(res_name)
        if res is None:
            raise HTTPError(404, "The Resource (%s) could not be found." % res_name,
                            "ResourceNotFound")
        return res

    def show_resource(self, req: webob.Request, project: str, name: str, res: str,
                      sid: Optional[str] = None) -> webob.Response:
        """Show one resource with its attributes."""
        with self.lock:
            stack = self._stack(project, name, sid)
            resource = self._resource(stack, res)
            view = views.resource_view(self.engine, self._base(req, project), stack, resource,
                                       views.required_by_map(stack).get(res, []), detail=True)
        return json_response({"resource": view})

    def mark_unhealthy(self, req: webob.Request, project: str, name: str, res: str,
                       sid: Optional[str] = None) -> webob.Response:
        """Mark a resource (un)healthy: CHECK_FAILED / CHECK_COMPLETE, like Heat."""
        body = read_json_object(req)
        flag = body.get("mark_unhealthy")
        if not isinstance(flag, bool):
            raise HTTPError(400, "mark_unhealthy must be a boolean", "Invalid")
        with self.lock:
            stack = self._stack(project, name, sid)
            resource = self._resource(stack, res)
            resource.action = "CHECK"
            resource.status = "FAILED" if flag else "COMPLETE"
            resource.reason = str(body.get("resource_status_reason") or "")
            self.engine.store.changed()
        return json_response(None, status=200)

    def list_events(self, req: webob.Request, project: str, name: str,
                    sid: Optional[str] = None, res: Optional[str] = None) -> webob.Response:
        """List a stack's events (optionally of one resource)."""
        params = req.GET
        with self.lock:
            stack = self._stack(project, name, sid)
            if res is not None:
                self._resource(stack, res)
            events = [e for e in stack.events if res is None or e["resource_name"] == res]
            for key, field in (("resource_name", "resource_name"),
                               ("resource_type", "resource_type"),
                               ("resource_action", "action")):
                if params.getall(key):
                    wanted = set(params.getall(key))
                    events = [e for e in events if e[field] in wanted]
            if params.getall("resource_status"):
                wanted = set(params.getall("resource_status"))
                events = [e for e in events if e["status"] in wanted
                          or "%s_%s" % (e["action"], e["status"]) in wanted]
            if params.get("sort_dir") == "desc":
                events = events[::-1]
            if params.get("marker"):
                ids = [e["id"] for e in events]
                if params["marker"] in ids:
                    events = events[ids.index(params["marker"]) + 1:]
            if params.get("limit"):
                try:
                    events = events[:int(params["limit"])]
                except ValueError:
                    raise HTTPError(400, "Only integer is acceptable by 'limit'.") from None
            base = self._base(req, project)
            body = [views.event_view(base, stack, e) for e in events]
        return json_response({"events": body})

    def list_outputs(self, req: webob.Request, project: str, name: str,
                     sid: Optional[str] = None) -> webob.Response:
        """List output keys and descriptions."""
        with self.lock:
            stack = self._stack(project, name, sid)
            outputs = [{"output_key": key, "description": (spec or {}).get(
                "description", "No description given") if isinstance(spec, dict) else ""}
                for key, spec in (stack.template.get("outputs") or {}).items()]
        return json_response({"outputs": outputs})

    def show_output(self, req: webob.Request, project: str, name: str, key: str,
                    sid: Optional[str] = None) -> webob.Response:
        """Show one resolved output."""
        with self.lock:
            stack = self._stack(project, name, sid)
            for item in self.engine.outputs(stack):
                if item["output_key"] == key:
                    return json_response({"output": item})
        raise HTTPError(404, "The Output (%s) could not be found." % key, "NotFound")

    def show_template(self, req: webob.Request, project: str, name: str,
                      sid: Optional[str] = None) -> webob.Response:
        """The stored template."""
        with self.lock:
            return json_response(self._stack(project, name, sid).template)

    def show_environment(self, req: webob.Request, project: str, name: str,
                         sid: Optional[str] = None) -> webob.Response:
        """The stored (merged) environment."""
        with self.lock:
            return json_response(self._stack(project, name, sid).env)

    def show_files(self, req: webob.Request, project: str, name: str,
                   sid: Optional[str] = None) -> webob.Response:
        """The stored files map."""
        with self.lock:
            return json_response(self._stack(project, name, sid).files)
