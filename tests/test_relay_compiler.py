"""relay-compiler (npm, pinned in tests/relay) compiles the documents a React (Relay) client
would hold against schema.graphql: a company tree page, a devices list and a ledger paged both
ways with `usePaginationFragment` (@connection, @refetchable, first/after and last/before), an
application queue, mutations whose union results are read through the Error interface (one
@prependNode-ing into a connection), a subscription. Relay checks more than graphql-js does
(connection shape, Node refetching, the pagination arguments), and the operation texts it
generates are then validated against the schema the server serves.

The compiler runs on a copy of tests/relay (config and sources) in a temporary folder, so the
tree stays clean; a second test adds a fragment with an unknown field and expects a failure.
Needs Node and `npm ci --prefix tests/relay` (skipped without them, failed when CI is set).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from graphql import build_schema, parse, validate

from tests.live import node_tool

TOOL = Path(__file__).parent / "relay"
SCHEMA_FILE = Path(__file__).parent.parent / "schema.graphql"
COMPILER = TOOL / "node_modules" / "relay-compiler" / "cli.js"
# An operation's text in a generated artifact: `"text": "query X(...) {...}"`.
OPERATION_TEXT = re.compile(r'"text": ("(?:[^"\\]|\\.)*")')


def compile_copy(
    folder: Path, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """relay-compiler on a copy of tests/relay's config and sources in `folder` (plus `extra`
    source files), against the repository's schema.graphql."""
    node = node_tool("relay", "relay-compiler")
    config = json.loads((TOOL / "relay.config.json").read_text())
    # The committed config compiles the committed schema.
    assert (TOOL / config["schema"]).resolve() == SCHEMA_FILE.resolve()
    shutil.copytree(TOOL / "src", folder / "src", ignore=shutil.ignore_patterns("__generated__"))
    (folder / "relay.config.json").write_text(json.dumps({**config, "schema": str(SCHEMA_FILE)}))
    for name, text in (extra or {}).items():
        (folder / "src" / name).write_text(text)
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        [node, str(COMPILER), str(folder / "relay.config.json"), "--output", "quiet-with-errors"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_relay_compiles_the_client_documents(tmp_path: Path) -> None:
    run = compile_copy(tmp_path)
    assert run.returncode == 0, f"relay-compiler failed\n{run.stdout}\n{run.stderr}"
    generated = tmp_path / "src" / "__generated__"
    artifacts = {
        path.name.removesuffix(".graphql.ts"): path.read_text() for path in generated.iterdir()
    }
    assert {
        "CompanyTreePageQuery",
        "CompanyTreePagePaginationQuery",
        "CompanyTreePageHeaderRefetchQuery",
        "DeviceListQuery",
        "DeviceListPaginationQuery",
        "DeviceFormsRegisterMutation",
        "DeviceFormsRenameMutation",
        "DeviceEventsSubscription",
        "LedgerListPaginationQuery",
        "LedgerListGrantMutation",
        "ApplicationQueuePaginationQuery",
        "ApplicationQueueDecideMutation",
    } <= set(artifacts)
    # loadPrevious is possible: Relay found last/before on these connections.
    for fragment in ("DeviceList_query", "LedgerList_query", "ApplicationQueue_query"):
        assert '"direction": "bidirectional"' in artifacts[fragment], fragment
        assert (
            '"backward": {\n          "count": "last",\n          "cursor": "before"'
            in (artifacts[fragment])
        )
    # The header refetches a single company through Query.node (the Node interface).
    assert "node(id: $id)" in artifacts["CompanyTreePageHeaderRefetchQuery"]

    # What Relay would send is valid against the schema the server serves.
    schema = build_schema(SCHEMA_FILE.read_text())
    texts = [
        json.loads(match) for text in artifacts.values() for match in OPERATION_TEXT.findall(text)
    ]
    assert len(texts) >= 14
    for text in texts:
        assert validate(schema, parse(text)) == [], text


def test_an_unknown_field_fails_the_compilation(tmp_path: Path) -> None:
    bad = """import { graphql } from 'react-relay';

export const fragment = graphql`
  fragment BadRow_device on Device {
    id
    firmwareVersion
  }
`;
"""
    run = compile_copy(tmp_path, {"BadRow.tsx": bad})
    assert run.returncode != 0
    output = run.stdout + run.stderr
    assert "The type `Device` has no field `firmwareVersion`" in output, output
