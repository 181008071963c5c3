"""The agent console's built files, served at ``/`` beside the API.

The console is a single-page app: a path that is not a file of the build and not the API
answers the app's ``index.html``, so a deep link (``/vouchers?phone=...``) opens the page
it names. Paths under ``/api/`` never fall back: an unknown API path stays a JSON 404.
Routes declared before this one (/docs, /openapi.json, /health) are untouched.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Match

from services.gateway.domain.route_rule import API_PREFIX
from services.gateway.settings import SOURCE_CONSOLE_DIST
from shared.errors import NotFound

DIST = SOURCE_CONSOLE_DIST
"""The default: a source tree's build (``KEFU_CONSOLE_DIST`` says where else)."""

_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
_IMMUTABLE = "public, max-age=31536000, immutable"
"""Files under assets/ carry a content hash in their names: a new build has new names."""

NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>Kefu console</title>
<p>The console is not built. <code>make up</code> builds it, or
<code>cd console &amp;&amp; npm ci &amp;&amp; npm run build</code>.
The API is at <a href="/docs">/docs</a>.</p>"""


def serve_console(app: FastAPI, dist: Path = DIST) -> None:
    """Declare the console's catch-all route; call it after every other route."""

    async def console(request: Request, path: str = "") -> Response:
        if path == API_PREFIX.strip("/") or path.startswith(API_PREFIX.strip("/") + "/"):
            # An API path: 405 if a route has it for another method, else the JSON 404,
            # as before the console (this route takes every method, so it must say which).
            if _declared_elsewhere(request):
                raise StarletteHTTPException(405, "Method Not Allowed")
            raise NotFound(f"no route {API_PREFIX} here: /{path}", code="not_found")
        if request.method not in ("GET", "HEAD"):
            raise StarletteHTTPException(405, "the console's pages are only read")
        gzip_ok = "gzip" in request.headers.get("accept-encoding", "")
        return _answer(dist, path, gzip_ok)

    app.add_api_route("/{path:path}", console, methods=_METHODS, include_in_schema=False)


def _declared_elsewhere(request: Request) -> bool:
    """Does another route serve this path (for some other method)?"""
    own = request.scope.get("route")
    for route in request.app.router.routes:
        if route is not own and route.matches(request.scope)[0] is not Match.NONE:
            return True
    return False


def _file(path: Path, cache: str, gzip_ok: bool) -> FileResponse:
    """The file, or its ``.gz`` twin (written by the build) when the browser accepts gzip."""
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding"}
    packed = path.with_name(path.name + ".gz")
    if gzip_ok and packed.is_file():
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        headers["Content-Encoding"] = "gzip"
        return FileResponse(packed, media_type=media, headers=headers)
    return FileResponse(path, headers=headers)


def _answer(dist: Path, path: str, gzip_ok: bool) -> Response:
    index = dist / "index.html"
    if not index.is_file():
        return HTMLResponse(NOT_BUILT, status_code=503)
    if path:
        wanted = (dist / path).resolve()
        if wanted.is_relative_to(dist.resolve()) and wanted.is_file():
            cache = _IMMUTABLE if path.startswith("assets/") else "no-cache"
            return _file(wanted, cache, gzip_ok)
        if path.startswith("assets/"):
            # A missing hashed file is an old page asking for an old build: no app for it.
            raise NotFound(f"no such file: /{path}", code="not_found")
    # The app itself is never cached, so a new build reaches the next page load.
    return _file(index, "no-cache", gzip_ok)
