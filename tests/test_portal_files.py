"""The portal's served files (web/portal.py): the app's page for every path below /portal,
its hashed assets cached for good and gzipped, a CSP that allows this origin only, and a
committed build whose pins and generated files come from portal/'s lock file and schema."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from config import Settings
from server import create_app
from web import portal

ROOT = Path(__file__).parent.parent
SOURCES = ROOT / "portal"
BUILD = ROOT / "web" / "static" / "portal"


@pytest.fixture
async def http(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
        data_dir=tmp_path,
        jwt_key="k" * 40,
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://fleet.test") as client:
        yield client


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/portal/assets/[^"]+)"', html)


@pytest.mark.parametrize(
    "path", ["/portal", "/portal/", "/portal/accept-invitation?token=abc", "/portal/companies/x/y"]
)
async def test_every_path_below_portal_answers_the_app(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"  # a new build shows on the next load
    assert response.text == (BUILD / "index.html").read_text()
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "connect-src 'self' ws://fleet.test;" in csp
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert response.headers["x-frame-options"] == "DENY"


async def test_the_csp_names_the_secure_websocket_and_never_a_forged_host(
    http: httpx.AsyncClient,
) -> None:
    secure = await http.get("https://fleet.test/portal/")
    assert "connect-src 'self' wss://fleet.test;" in secure.headers["content-security-policy"]
    forged = await http.get("/portal/", headers={"host": "x; script-src *"})
    csp = forged.headers["content-security-policy"]
    assert "connect-src 'self';" in csp
    assert "*" not in csp


async def test_the_page_loads_only_its_own_hashed_assets_and_no_inline_script(
    http: httpx.AsyncClient,
) -> None:
    html = (await http.get("/portal/")).text
    assets = _assets(html)
    assert {Path(a).suffix for a in assets} == {".js", ".css"}
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script"
    assert "http://" not in html
    assert "https://" not in html
    for asset in assets:
        assert re.fullmatch(r"/portal/assets/[\w-]+-[\w-]{8}\.(js|css)", asset)
        response = await http.get(asset, headers={"accept-encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in response.headers["vary"]
        # httpx decoded it: the bytes are the file's.
        assert response.content == (BUILD / asset.removeprefix("/portal/")).read_bytes()
    [script] = [a for a in assets if a.endswith(".js")]
    plain = await http.get(script, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["content-type"] in (
        "text/javascript; charset=utf-8",
        "application/javascript",
    )


async def test_the_first_load_is_within_300_kb_of_compressed_javascript() -> None:
    html = (BUILD / "index.html").read_text()
    scripts = [a for a in _assets(html) if a.endswith(".js")]
    size = sum(
        len(gzip.compress((BUILD / a.removeprefix("/portal/")).read_bytes(), 9)) for a in scripts
    )
    assert 0 < size <= 300_000, size


@pytest.mark.parametrize("path", ["/portal/assets/nope.js", "/portal/assets/..%2Findex.html"])
async def test_an_unknown_asset_is_not_found_not_the_app(
    http: httpx.AsyncClient, path: str
) -> None:
    response = await http.get(path)
    assert response.status_code == 404
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


async def test_a_missing_build_says_how_to_make_it(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(portal, "index_html", lambda: tmp_path / "index.html")
    response = await http.get("/portal/")
    assert response.status_code == 503
    assert "make portal" in response.text


def test_npm_packages_are_pinned_exactly_and_locked() -> None:
    manifest = json.loads((SOURCES / "package.json").read_text())
    lock = json.loads((SOURCES / "package-lock.json").read_text())["packages"]
    pins = {**manifest["dependencies"], **manifest["devDependencies"]}
    for package, version in pins.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{package} is not pinned exactly"
        assert lock[f"node_modules/{package}"]["version"] == version
    # Apollo Client: the version the Node client tests (tests/apollo_client) exercise.
    tests_pins = json.loads((ROOT / "tests" / "apollo_client" / "package.json").read_text())
    assert pins["@apollo/client"] == tests_pins["dependencies"]["@apollo/client"]


def test_the_generated_possible_types_are_the_schemas_unions() -> None:
    generated = (SOURCES / "src" / "gql" / "possibleTypes.ts").read_text()
    schema = (ROOT / "schema.graphql").read_text()
    unions = re.findall(r"^union (\w+) = (.+)$", schema, flags=re.MULTILINE)
    assert unions
    for name, members in unions:
        assert f'"{name}": [' in generated, f"{name}: run make portal"
        for member in members.split(" | "):
            assert f'"{member.strip()}"' in generated
