"""The GraphiQL explorer page, served entirely by the server (SPEC section 6).

GraphiQL's browser builds are pinned copies in web/static/graphiql (refreshed by `make
graphiql` from tools/graphiql, checked against manifest.json by a test); the page's own script
and style are in web/static/explorer. Every tag carries an SRI hash computed from the bytes
served, and the page's CSP allows nothing from another origin and no inline script, so the
explorer works on a network without internet and a tampered file does not run.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path

import orjson
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/static"

# Order matters: React before GraphiQL before the plugin before our script.
STYLES = ("graphiql/graphiql.min.css", "graphiql/plugin-explorer.css", "explorer/explorer.css")
SCRIPTS = (
    "graphiql/react.production.min.js",
    "graphiql/react-dom.production.min.js",
    "graphiql/graphiql.min.js",
    "graphiql/plugin-explorer.umd.js",
    "explorer/explorer.js",
)

# Fonts are data: URIs inside graphiql.min.css; `connect-src 'self'` covers the fetcher (and
# ws: to this host for subscriptions).
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

WELCOME = """# Welcome to the fleet administration API.
#
# Sign in with the bar above ({email} is the bootstrap administrator;
# `make run` printed its password). The explorer then sends your token with
# every request and renews it before it expires.
#
# Run a query with Ctrl-Enter, for example:
{{
  me {{
    email
    role
    company {{
      name
    }}
  }}
}}
"""


def integrity(relative: str) -> str:
    digest = hashlib.sha384((STATIC_DIR / relative).read_bytes()).digest()
    return "sha384-" + base64.b64encode(digest).decode()


def _tags() -> tuple[str, str]:
    styles = "\n    ".join(
        f'<link rel="stylesheet" href="{STATIC_PREFIX}/{path}" integrity="{integrity(path)}" />'
        for path in STYLES
    )
    scripts = "\n    ".join(
        f'<script src="{STATIC_PREFIX}/{path}" integrity="{integrity(path)}"></script>'
        for path in SCRIPTS
    )
    return styles, scripts


@cache
def page_html(bootstrap_email: str, endpoint: str = "/graphql") -> str:
    """The page, built once per process: tags with their SRI hashes, and the page's settings
    as a JSON data block (not executed, so the CSP needs no inline-script exception)."""
    config = orjson.dumps(
        {
            "endpoint": endpoint,
            "email": bootstrap_email,
            "welcome": WELCOME.format(email=bootstrap_email),
        }
    ).decode()
    # `<` escaped so no string can close the data block.
    config = config.replace("<", "\\u003c")
    styles, scripts = _tags()
    template = (Path(__file__).parent / "explorer.html").read_text()
    return (
        template.replace("<!--ASSETS-->", styles)
        .replace("<!--SCRIPTS-->", scripts)
        .replace("<!--CONFIG-->", config)
    )


def page_response(bootstrap_email: str) -> HTMLResponse:
    return HTMLResponse(
        page_html(bootstrap_email),
        headers={"content-security-policy": PAGE_CSP, "cache-control": "no-cache"},
    )


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)
