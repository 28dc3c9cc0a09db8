"""Persisted documents: Apollo's automatic persisted queries (APQ) and the allowlist mode.

APQ (the `persistedQuery` request extension, version 1): a client sends only the sha256 of its
document; an unknown hash answers `PersistedQueryNotFound`, the client sends the document with
its hash once, the server checks the hash and keeps the document. The store is an LRU in each
process, bounded by `APQ_CACHE_SIZE` documents: behind a load balancer a process that has not
seen a hash answers "not found" and the client registers it there too (one extra round trip per
document and process, by the protocol's design), which costs less than a database lookup on
every request and lets no anonymous client grow a table.

Allowlist mode (`DOCUMENT_ALLOWLIST`, trusted documents): only the documents of the allowlist
file run, named by their sha256 or sent in full; anything else is refused with
`DOCUMENT_NOT_ALLOWED` by its hash, before it is parsed. The file is an Apollo persisted query
manifest, built from the clients' operations by `cli.py allowlist` (web/allowlist.py).
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

MANIFEST_FORMAT = "apollo-persisted-query-manifest"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class PersistedQueryError(Exception):
    """A request error of the persisted-document protocols: nothing was parsed or executed.

    `status` is set for malformed requests (HTTP 400 whatever the media type); the others are
    GraphQL request errors, answered like a validation failure, so Apollo's link reads them."""

    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def not_found() -> PersistedQueryError:
    # The message is the protocol's: Apollo's link matches it (and the code) to fall back.
    return PersistedQueryError("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")


def sha256_hex(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


# A cache bounded by count alone could hold `APQ_CACHE_SIZE` documents of MAX_BODY_BYTES each.
MAX_CACHED_DOCUMENT = 64 * 1024  # characters; a longer document runs but is not kept
MAX_CACHED_TOTAL = 16 * 1024 * 1024


class DocumentCache:
    """The registered documents of one process, least recently used evicted first."""

    def __init__(self, size: int, max_total: int = MAX_CACHED_TOTAL) -> None:
        self.size = size
        self.max_total = max_total
        self.total = 0
        self._documents: OrderedDict[str, str] = OrderedDict()

    def get(self, sha256: str) -> str | None:
        document = self._documents.get(sha256)
        if document is not None:
            self._documents.move_to_end(sha256)
        return document

    def put(self, sha256: str, document: str) -> None:
        if len(document) > MAX_CACHED_DOCUMENT or sha256 in self._documents:
            return
        self._documents[sha256] = document
        self.total += len(document)
        while len(self._documents) > self.size or self.total > self.max_total:
            _, evicted = self._documents.popitem(last=False)
            self.total -= len(evicted)

    def __len__(self) -> int:
        return len(self._documents)


class AllowlistError(RuntimeError):
    """The allowlist file cannot be used (the server refuses to start with it)."""


def load_allowlist(path: Path) -> dict[str, str]:
    """sha256 -> document, from an Apollo persisted query manifest; every id is checked."""
    try:
        manifest = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise AllowlistError(f"DOCUMENT_ALLOWLIST {path}: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise AllowlistError(f"DOCUMENT_ALLOWLIST {path}: not an {MANIFEST_FORMAT} file")
    documents: dict[str, str] = {}
    for entry in manifest.get("operations") or []:
        body = entry.get("body") if isinstance(entry, dict) else None
        if not isinstance(body, str) or entry.get("id") != sha256_hex(body):
            raise AllowlistError(
                f"DOCUMENT_ALLOWLIST {path}: entry {entry!r:.80} has no body matching its sha256 id"
            )
        documents[entry["id"]] = body
    return documents


@dataclass(frozen=True)
class Resolved:
    """The document to run, and the hash to register once it has passed validation."""

    document: str
    register: str | None = None


def _requested_hash(extensions: dict[str, Any] | None) -> str | None:
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise PersistedQueryError(
            "PERSISTED_QUERY_VERSION_UNSUPPORTED",
            "Only version 1 of the persistedQuery extension is supported",
            status=400,
        )
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not _SHA256.match(sha256):
        raise PersistedQueryError(
            "BAD_REQUEST", "`persistedQuery.sha256Hash` must be 64 lowercase hex digits", status=400
        )
    return sha256


class PersistedDocuments:
    def __init__(self, *, cache_size: int, allowlist: dict[str, str] | None) -> None:
        self.allowlist = allowlist
        self.cache = DocumentCache(cache_size) if cache_size > 0 and allowlist is None else None

    def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> Resolved:
        """The document a request runs, decided from its text and hash alone (nothing parsed)."""
        sha256 = _requested_hash(extensions)
        if query is not None and sha256 is not None and sha256_hex(query) != sha256:
            raise PersistedQueryError(
                "PERSISTED_QUERY_HASH_MISMATCH",
                "provided sha does not match query",
                status=400,
            )
        if self.allowlist is not None:
            key = sha256 if query is None else sha256_hex(query)
            document = self.allowlist.get(key) if key is not None else None
            if document is None:
                raise PersistedQueryError(
                    "DOCUMENT_NOT_ALLOWED",
                    "This server runs only the documents of its allowlist",
                )
            return Resolved(document)
        if query is not None:
            return Resolved(query, sha256 if self.cache is not None else None)
        if sha256 is None:
            raise PersistedQueryError(
                "BAD_REQUEST", "`query` must be a non-empty string", status=400
            )
        if self.cache is None:
            raise PersistedQueryError("PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported")
        document = self.cache.get(sha256)
        if document is None:
            raise not_found()
        return Resolved(document)

    def register(self, sha256: str, document: str) -> None:
        if self.cache is not None:
            self.cache.put(sha256, document)
