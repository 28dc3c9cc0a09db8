"""graphql-schema-linter (npm, pinned in tests/schema_lint) over schema.graphql, with every
built-in rule on except the four sorting rules that graphql-schema-linter.config.js disables
(and says why). A second test breaks a copy of the schema on purpose, so this one can fail.
Needs Node and `npm ci --prefix tests/schema_lint` (skipped without them, failed when CI is set).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.live import node_tool

TOOL = Path(__file__).parent / "schema_lint"
SCHEMA_FILE = Path(__file__).parent.parent / "schema.graphql"
CLI = TOOL / "node_modules" / "graphql-schema-linter" / "lib" / "cli.js"


def lint(schema: Path) -> tuple[int, list[dict[str, Any]]]:
    """The linter's exit code and its errors, with the folder's configuration."""
    node = node_tool("schema_lint", "graphql-schema-linter")
    run = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [node, str(CLI), "--format", "json", "--config-directory", str(TOOL), str(schema)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Exit 1: rule violations (JSON on stdout); 2 or more: the linter itself failed.
    assert run.returncode in (0, 1), f"exit {run.returncode}\n{run.stdout}\n{run.stderr}"
    errors: list[dict[str, Any]] = json.loads(run.stdout)["errors"]
    return run.returncode, errors


def enabled_rules() -> list[str]:
    node = node_tool("schema_lint", "graphql-schema-linter")
    script = "console.log(JSON.stringify(require('./graphql-schema-linter.config.js')))"
    run = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [node, "-e", script], cwd=TOOL, capture_output=True, text=True, timeout=30, check=True
    )
    config: dict[str, Any] = json.loads(run.stdout)
    assert sorted(config["disabled"]) == [
        "enum-values-sorted-alphabetically",
        "input-object-fields-sorted-alphabetically",
        "interface-fields-sorted-alphabetically",
        "type-fields-sorted-alphabetically",
    ]
    rules: list[str] = config["rules"]
    return rules


def test_schema_passes_the_linter() -> None:
    rules = enabled_rules()
    # The rules this schema promises: descriptions everywhere, Relay connections.
    assert {
        "types-have-descriptions",
        "fields-have-descriptions",
        "arguments-have-descriptions",
        "enum-values-have-descriptions",
        "input-object-values-have-descriptions",
        "relay-connection-types-spec",
        "relay-connection-arguments-spec",
        "relay-page-info-spec",
        "defined-types-are-used",
    } <= set(rules)
    code, errors = lint(SCHEMA_FILE)
    assert errors == []
    assert code == 0


def test_a_schema_that_breaks_an_enabled_rule_fails(tmp_path: Path) -> None:
    text = SCHEMA_FILE.read_text()
    # PageInfo without hasPreviousPage (the Relay spec's), and an undocumented field.
    assert text.count("hasPreviousPage: Boolean!") == 1
    broken = text.replace("hasPreviousPage: Boolean!", "previous: Boolean!")
    broken = broken.replace("type PageInfo {", "type PageInfo {\n  total: Int!", 1)
    assert broken != text
    schema = tmp_path / "schema.graphql"
    schema.write_text(broken)
    code, errors = lint(schema)
    assert code == 1
    failed = {(e["rule"], e["message"]) for e in errors}
    assert any(rule == "relay-page-info-spec" and "hasPreviousPage" in m for rule, m in failed)
    assert ("fields-have-descriptions", "The field `PageInfo.total` is missing a description.") in (
        failed
    )
