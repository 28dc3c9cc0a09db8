"""The customer portal, served at /portal: a single-page app whose sources are in portal/ and
whose build (`make portal`) is committed in web/static/portal.

Its files under /portal/assets/ have content-hashed names, so they are cached for a year and
never revalidated; a new build has new names. Every other path below /portal answers the
app's index.html (revalidated on each load), so a deep link such as a mail's
/portal/accept-invitation?token=… opens the app, which routes it. Assets are sent gzipped when
the browser accepts it (compressed once per process: the files never change while it runs).

The page's CSP allows scripts, styles and connections to this origin only; connect-src names
the WebSocket origin too (ws: or wss:, as the page was loaded), since browsers that predate
CSP level 3 do not count a WebSocket to the same host as 'self'.
"""

from __future__ import annotations

import gzip
import mimetypes
import re
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from web.explorer import STATIC_DIR

PREFIX = "/portal"
PORTAL_DIR = STATIC_DIR / "portal"
ASSETS_DIR = PORTAL_DIR / "assets"
IMMUTABLE = "public, max-age=31536000, immutable"
# Smaller files gain nothing from compression.
GZIP_MIN_BYTES = 1024
# What a Host header may hold to be named in the CSP (a name or address and a port).
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


def page_csp(request: Request) -> str:
    scheme = "wss" if request.url.scheme in ("https", "wss") else "ws"
    host = request.headers.get("host", "")
    websocket = f" {scheme}://{host}" if _HOST.fullmatch(host) else ""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"font-src 'self'; connect-src 'self'{websocket}; manifest-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


@cache
def _asset(name: str) -> tuple[bytes, bytes | None] | None:
    """The bytes of assets/<name> and their gzip (None when not worth it), or None when no
    such file: names are looked up in the folder's listing, never joined into a path."""
    if not ASSETS_DIR.is_dir() or name not in {p.name for p in ASSETS_DIR.iterdir()}:
        return None
    raw = (ASSETS_DIR / name).read_bytes()
    packed = gzip.compress(raw, compresslevel=9, mtime=0) if len(raw) >= GZIP_MIN_BYTES else None
    return raw, packed


def _accepts_gzip(request: Request) -> bool:
    accepted = request.headers.get("accept-encoding", "")
    return any(part.split(";")[0].strip() == "gzip" for part in accepted.split(","))


async def asset(request: Request) -> Response:
    found = _asset(request.path_params["name"])
    if found is None:
        return PlainTextResponse("Not Found", status_code=404)
    raw, packed = found
    media_type = mimetypes.guess_type(request.path_params["name"])[0] or "application/octet-stream"
    headers = {"cache-control": IMMUTABLE, "vary": "accept-encoding"}
    if packed is not None and _accepts_gzip(request):
        headers["content-encoding"] = "gzip"
        return Response(packed, media_type=media_type, headers=headers)
    return Response(raw, media_type=media_type, headers=headers)


def index_html() -> Path:
    return PORTAL_DIR / "index.html"


async def page(request: Request) -> Response:
    index = index_html()
    if not index.is_file():
        return PlainTextResponse("The portal is not built: run `make portal`.", status_code=503)
    return Response(
        index.read_bytes(),
        media_type="text/html; charset=utf-8",
        headers={"content-security-policy": page_csp(request), "cache-control": "no-cache"},
    )


def routes() -> list[BaseRoute]:
    return [
        Route(f"{PREFIX}/assets/{{name:path}}", asset, methods=["GET", "HEAD"]),
        Route(PREFIX, page, methods=["GET", "HEAD"]),
        Route(f"{PREFIX}/{{path:path}}", page, methods=["GET", "HEAD"]),
    ]
