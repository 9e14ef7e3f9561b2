"""Simulated Glance v2: read-only images with ``os_distro`` as a top-level property.

Mounted at ``/image``; clients use ``/image/v2/...``.
"""

from __future__ import annotations

from typing import Any

import webob

from magnum_like.cloudsim.store import Store
from magnum_like.cloudsim.wsgi import HTTPError, Router, filter_records, json_response, \
    paginate, reason_phrase


def glance_error(exc: HTTPError) -> webob.Response:
    """Render an error the way Glance's JSON faults look."""
    return json_response({"code": exc.status, "title": reason_phrase(exc.status),
                          "message": exc.message,
                          "error": {"message": exc.message, "code": exc.status}},
                         status=exc.status)


class GlanceAPI:
    """Routes of the simulated Glance API."""

    def __init__(self, store: Store) -> None:
        self.store = store
        r = self.router = Router(glance_error)
        r.add("GET", "/", self.versions)
        r.add("GET", "/versions", self.versions)
        r.add("GET", "/v2/images", self.list_images)
        r.add("GET", "/v2/images/{iid}", self.get_image)
        r.add("GET", "/v2/schemas/image", self.schema)

    def __call__(self, req: webob.Request, path: str) -> webob.Response:
        """Dispatch a request whose path is relative to ``/image``."""
        return self.router.dispatch(req, path)

    def versions(self, req: webob.Request) -> webob.Response:
        """Glance's version list."""
        href = req.host_url + "/image/v2/"
        values = [{"id": "v2.%d" % minor, "status": "CURRENT" if minor == 16 else "SUPPORTED",
                   "links": [{"rel": "self", "href": href}]} for minor in (16, 15, 9, 0)]
        return json_response({"versions": values}, status=300 if req.path_info == "/" else 200)

    @staticmethod
    def _view(image: dict[str, Any]) -> dict[str, Any]:
        return dict(image, self="/v2/images/%s" % image["id"],
                    file="/v2/images/%s/file" % image["id"], schema="/v2/schemas/image")

    def list_images(self, req: webob.Request) -> webob.Response:
        """Images, filtered by name/status/visibility/os_distro, paginated."""
        with self.store.lock:
            images = sorted(self.store.images.values(), key=lambda i: (i["name"], i["id"]))
            images = filter_records(images, req.GET, ("name", "status", "visibility",
                                                      "os_distro", "id"))
            images = paginate(images, req.GET)
            body = [self._view(i) for i in images]
        return json_response({"images": body, "schema": "/v2/schemas/images",
                              "first": "/v2/images"})

    def get_image(self, req: webob.Request, iid: str) -> webob.Response:
        """One image by id."""
        with self.store.lock:
            image = self.store.images.get(iid)
            if image is None:
                raise HTTPError(404, "No image found with ID %s" % iid)
            return json_response(self._view(image))

    def schema(self, req: webob.Request) -> webob.Response:
        """A permissive image schema (clients fetch it to validate)."""
        return json_response({"name": "image", "properties": {},
                              "additionalProperties": {"type": "string"}})
