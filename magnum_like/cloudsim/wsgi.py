"""Minimal HTTP plumbing shared by every simulated service.

Each simulated service is a :class:`Router` of ``(method, path pattern)`` to
handler; handlers take a :class:`webob.Request` plus the path variables and
return a :class:`webob.Response`.  Errors are raised as :class:`HTTPError`
and rendered by the service's own error formatter, so each service answers in
the error shape its real client library parses.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Optional
from urllib.parse import unquote

import webob

Handler = Callable[..., webob.Response]
ErrorFormatter = Callable[["HTTPError"], webob.Response]

_REASONS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
    413: "Request Entity Too Large", 415: "Unsupported Media Type",
    500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}


def reason_phrase(status: int) -> str:
    """Return the standard HTTP reason phrase for ``status``."""
    return _REASONS.get(status, "Error")


class HTTPError(Exception):
    """An error answer; ``kind`` is the service-specific error type name."""

    def __init__(self, status: int, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind or reason_phrase(status).replace(" ", "")


def json_response(body: Any, status: int = 200,
                  headers: Optional[dict[str, str]] = None) -> webob.Response:
    """Build a JSON response."""
    resp = webob.Response(status=status, content_type="application/json",
                          charset="UTF-8")
    resp.body = json.dumps(body).encode("utf-8")
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def empty_response(status: int = 204) -> webob.Response:
    """Build a response without a body (e.g. 204 after delete)."""
    resp = webob.Response(status=status)
    resp.content_type = None  # type: ignore[assignment]
    return resp


def read_json(req: webob.Request, *, required: bool = True) -> Any:
    """Parse the request body as JSON; a malformed body is a 400."""
    raw = req.body
    if not raw:
        if required:
            raise HTTPError(400, "The request body is empty; a JSON object is required.")
        return {}
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise HTTPError(400, "Malformed JSON in request body: %s" % exc) from exc


def read_json_object(req: webob.Request) -> dict[str, Any]:
    """Parse the request body and insist it is a JSON object."""
    body = read_json(req)
    if not isinstance(body, dict):
        raise HTTPError(400, "The request body must be a JSON object.")
    return body


class Router:
    """Route ``(method, path)`` to a handler; path patterns use ``{var}``.

    A ``{var}`` matches one path segment; ``{var:path}`` matches the rest.
    """

    def __init__(self, error_formatter: ErrorFormatter) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._format_error = error_formatter

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` on ``pattern``."""
        regex = re.sub(r"\{(\w+):path\}", r"(?P<\1>.+)", pattern)
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
        self._routes.append((method.upper(), re.compile("^" + regex + "/?$"), handler))

    def dispatch(self, req: webob.Request, path: str) -> webob.Response:
        """Call the handler matching ``path`` (relative to the service root)."""
        allowed = False
        try:
            for method, regex, handler in self._routes:
                match = regex.match(path)
                if not match:
                    continue
                allowed = True
                if method != req.method and not (method == "GET" and req.method == "HEAD"):
                    continue
                kwargs = {k: unquote(v) for k, v in match.groupdict().items()}
                return handler(req, **kwargs)
            if allowed:
                raise HTTPError(405, "Method %s is not allowed on %s" % (req.method, path))
            raise HTTPError(404, "The resource could not be found.")
        except HTTPError as exc:
            return self._format_error(exc)


def _same(value: Any, wanted: str) -> bool:
    if isinstance(value, bool):
        return str(value).lower() == wanted.lower()
    if isinstance(value, list):
        return wanted in [str(v) for v in value]
    return str(value) == wanted


def filter_records(records: list[dict[str, Any]], query: Any,
                   fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """Keep records whose ``fields`` equal every value given in ``query``.

    ``query`` is a webob MultiDict; repeated keys mean "any of" (Neutron's way).
    """
    for field in fields:
        wanted = query.getall(field)
        if wanted:
            records = [r for r in records if any(_same(r.get(field), w) for w in wanted)]
    return records


def paginate(records: list[dict[str, Any]], query: Any, key: str = "id"
             ) -> list[dict[str, Any]]:
    """Apply ``marker`` (exclusive) and ``limit`` query parameters."""
    marker = query.get("marker")
    if marker:
        ids = [str(r.get(key)) for r in records]
        if marker not in ids:
            raise HTTPError(400, "marker [%s] not found" % marker)
        records = records[ids.index(marker) + 1:]
    if query.get("limit"):
        try:
            records = records[:max(0, int(query["limit"]))]
        except ValueError:
            raise HTTPError(400, "limit must be an integer") from None
    return records
