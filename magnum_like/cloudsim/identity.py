"""Who a request acts for, where the simulated cloud needs it (Nova's keypairs are per user).

In order:

1. with a Keystone URL (``Simulator(keystone_url=...)``, ``--keystone-url``) and
   an ``X-Auth-Token``: the token's user, as Keystone validates it (the token
   validates itself, ``GET /v3/auth/tokens``); an invalid token is a 401.
   Answers are remembered for a minute (at most 1000 tokens);
2. the ``X-User-Id`` header (what keystonemiddleware sets for the services
   behind it; a noauth caller may send it), admin when ``X-Roles`` has
   ``admin``;
3. otherwise the default user ``admin``: without Keystone and without headers
   (``magnum-like-dev``, noauth tests) every caller is that one user, as
   before keypairs were per user.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from typing import NamedTuple, Optional

import webob

from magnum_like.cloudsim.wsgi import HTTPError

DEFAULT_USER = "admin"
CACHE_SECONDS = 60.0
CACHE_SIZE = 1000


class Caller(NamedTuple):
    """The user a request acts for and whether it may act for others."""

    user_id: str
    is_admin: bool


class Identity:
    """Resolves a request's :class:`Caller` (see module docstring).

    :param keystone_url: Keystone's base URL (``http://host:5000`` or ``.../v3``).
    """

    def __init__(self, keystone_url: Optional[str] = None) -> None:
        url = (keystone_url or "").rstrip("/")
        self.keystone_url = url[:-3] if url.endswith("/v3") else url
        self._cache: dict[str, tuple[float, Caller]] = {}
        self._lock = threading.Lock()

    def caller(self, req: webob.Request) -> Caller:
        """The caller of ``req``. :raises HTTPError: 401 bad token, 503 Keystone down."""
        token = req.headers.get("X-Auth-Token")
        if self.keystone_url and token:
            return self._validate(token)
        user = req.headers.get("X-User-Id")
        if user:
            roles = {r.strip() for r in req.headers.get("X-Roles", "").split(",")}
            return Caller(user, "admin" in roles)
        return Caller(DEFAULT_USER, True)

    def _validate(self, token: str) -> Caller:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(token)
            if cached is not None and cached[0] > now:
                return cached[1]
        request = urllib.request.Request(
            self.keystone_url + "/v3/auth/tokens",
            headers={"X-Auth-Token": token, "X-Subject-Token": token,
                     "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                body = json.loads(resp.read().decode("utf-8"))["token"]
            roles = {r.get("name") for r in body.get("roles") or []}
            caller = Caller(body["user"]["id"], "admin" in roles)
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403, 404):
                raise HTTPError(401, "The request you have made requires authentication.")
            raise HTTPError(503, "Keystone answered %d validating a token." % exc.code)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise HTTPError(503, "Keystone could not validate the token: %s" % exc)
        with self._lock:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[token] = (now + CACHE_SECONDS, caller)
        return caller
