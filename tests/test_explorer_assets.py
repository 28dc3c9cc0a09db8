"""The explorer's served files: pinned, hashed, and nothing from another origin.

web/static/graphiql is made by `make graphiql` from the packages pinned in tools/graphiql; its
manifest.json records each file's source and sha256, checked here against the files, the pins
and the lock file. The page's tags carry SRI hashes of the bytes actually served.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from config import Settings
from server import create_app
from web import explorer

ROOT = Path(__file__).parent.parent
ASSETS = ROOT / "web" / "static" / "graphiql"
TOOL = ROOT / "tools" / "graphiql"
MANIFEST = json.loads((ASSETS / "manifest.json").read_text())


def test_every_vendored_file_matches_its_manifest_hash() -> None:
    served = {p.name for p in ASSETS.iterdir()} - {"manifest.json"}
    assert served == set(MANIFEST["files"])
    for name, entry in MANIFEST["files"].items():
        digest = hashlib.sha256((ASSETS / name).read_bytes()).hexdigest()
        assert digest == entry["sha256"], (
            f"{name} differs from {entry['source']}: run make graphiql"
        )


def test_manifest_versions_are_the_pinned_and_locked_ones() -> None:
    pins = json.loads((TOOL / "package.json").read_text())["dependencies"]
    lock = json.loads((TOOL / "package-lock.json").read_text())["packages"]
    for package, version in MANIFEST["packages"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", pins[package]), "pins are exact versions"
        assert pins[package] == version == lock[f"node_modules/{package}"]["version"]
    for entry in MANIFEST["files"].values():
        package, _, _ = entry["source"].rpartition("@")
        assert package in pins


@pytest.fixture
async def http(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
        data_dir=tmp_path,
        jwt_key="k" * 40,
        bootstrap_admin_email="ops@example.net",
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_page_tags_carry_the_served_bytes_sri(http: httpx.AsyncClient) -> None:
    page = await http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    tags = re.findall(r'(?:src|href)="(/static/[^"]+)" integrity="(sha384-[^"]+)"', page.text)
    assert {path for path, _ in tags} == {
        f"/static/{p}" for p in (*explorer.STYLES, *explorer.SCRIPTS)
    }
    for path, integrity in tags:
        served = await http.get(path)
        assert served.status_code == 200
        digest = "sha384-" + base64.b64encode(hashlib.sha384(served.content).digest()).decode()
        assert digest == integrity, path


async def test_page_names_no_other_origin_and_runs_no_inline_script(
    http: httpx.AsyncClient,
) -> None:
    page = await http.get("/graphql", headers={"accept": "text/html"})
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", page.text)
    # The only inline <script> is a JSON data block, which browsers do not execute.
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page.text)
    assert inline == [' id="explorer-config" type="application/json"']
    config = re.search(r'type="application/json">(.*?)</script>', page.text, re.S)
    assert config is not None
    assert json.loads(config.group(1))["email"] == "ops@example.net"
    csp = dict(
        (d.split()[0], d.split()[1:]) for d in page.headers["content-security-policy"].split("; ")
    )
    assert csp["default-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    for sources in csp.values():
        assert all(s in ("'self'", "'none'", "data:") for s in sources), sources
    assert "data:" not in csp["script-src"] + csp["connect-src"]


def test_the_configuration_cannot_close_its_data_block() -> None:
    html = explorer.page_html("</script><script>alert(1)</script>@example.com")
    assert "</script><script>alert" not in html


async def test_static_files_are_not_served_without_the_explorer(tmp_path: Path) -> None:
    settings = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
        data_dir=tmp_path,
        jwt_key="k" * 40,
        graphiql=False,
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/static/explorer/explorer.js")).status_code == 404
