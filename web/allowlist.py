"""`cli.py allowlist`: the trusted-documents file for `DOCUMENT_ALLOWLIST`, built from the
clients' operations.

Sources are `.graphql` files (the operations a client sends; each operation becomes one
document with the fragments it uses, in file order, printed as graphql-js prints it) and Apollo
persisted query manifests (`.json`, e.g. from `@apollo/generate-persisted-query-manifest`),
merged as they are. `add_typename` applies Apollo Client's cache transform (a `__typename` in
every selection set below the operation's root), because that is the document such a client
really sends and hashes. Every document is validated against the schema, so a stale client
operation fails the build instead of failing in production.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    NameNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    Visitor,
    parse,
    print_ast,
    validate,
    visit,
)

from web.persisted import MANIFEST_FORMAT, AllowlistError, sha256_hex

_TYPENAME = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())


class _AddTypename(Visitor):
    """Apollo Client's `addTypenameToDocument`."""

    def enter_selection_set(
        self, node: SelectionSetNode, _key: Any, parent: Any, *_: Any
    ) -> SelectionSetNode | None:
        if isinstance(parent, OperationDefinitionNode):
            return None
        for selection in node.selections:
            if isinstance(selection, FieldNode) and selection.name.value.startswith("__"):
                return None
        if isinstance(parent, FieldNode) and any(
            d.name.value == "export" for d in parent.directives or ()
        ):
            return None
        return SelectionSetNode(selections=(*node.selections, _TYPENAME))


def _spreads(node: Node) -> set[str]:
    names: set[str] = set()

    class Spreads(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: Any) -> None:
            names.add(spread.name.value)

    visit(node, Spreads())
    return names


def _documents(document: DocumentNode) -> Iterable[tuple[OperationDefinitionNode, DocumentNode]]:
    """Each operation with the fragments it uses, transitively, in the file's order."""
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    by_name = {f.name.value: f for f in fragments}
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        used: set[str] = set()
        pending = _spreads(operation)
        while pending:
            name = pending.pop()
            if name in used or name not in by_name:
                continue
            used.add(name)
            pending |= _spreads(by_name[name])
        yield (
            operation,
            DocumentNode(definitions=(operation, *(f for f in fragments if f.name.value in used))),
        )


def _from_graphql(path: Path, schema: GraphQLSchema, *, add_typename: bool) -> list[dict[str, str]]:
    entries = []
    for operation, document in _documents(parse(path.read_text())):
        if operation.name is None:
            raise AllowlistError(f"{path}: every operation needs a name")
        errors = validate(schema, document)
        if errors:
            raise AllowlistError(f"{path}: {operation.name.value}: {errors[0].message}")
        sent = visit(document, _AddTypename()) if add_typename else document
        body = print_ast(sent)
        entries.append(
            {
                "id": sha256_hex(body),
                "name": operation.name.value,
                "type": operation.operation.value,
                "body": body,
            }
        )
    return entries


def _from_manifest(path: Path, schema: GraphQLSchema) -> list[dict[str, str]]:
    manifest = orjson.loads(path.read_bytes())
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise AllowlistError(f"{path}: not an {MANIFEST_FORMAT} file")
    entries = []
    for entry in manifest.get("operations") or []:
        if entry.get("id") != sha256_hex(entry.get("body", "")):
            raise AllowlistError(f"{path}: {entry.get('name')}: id is not the body's sha256")
        errors = validate(schema, parse(entry["body"]))
        if errors:
            raise AllowlistError(f"{path}: {entry.get('name')}: {errors[0].message}")
        entries.append({k: entry[k] for k in ("id", "name", "type", "body") if k in entry})
    return entries


def build_manifest(
    sources: Iterable[Path], schema: GraphQLSchema, *, add_typename: bool
) -> dict[str, Any]:
    operations: dict[str, dict[str, str]] = {}
    for path in sources:
        entries = (
            _from_manifest(path, schema)
            if path.suffix == ".json"
            else _from_graphql(path, schema, add_typename=add_typename)
        )
        for entry in entries:
            operations[entry["id"]] = entry
    return {
        "format": MANIFEST_FORMAT,
        "version": 1,
        "operations": sorted(operations.values(), key=lambda e: (e["name"], e["id"])),
    }
