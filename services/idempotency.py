"""Idempotency keys for money-like mutations (grant, move, register).

A retry with the same key and the same input applies nothing and answers what the first
call answered; the same key with another input is an error. The key is claimed by an
insert in the operation's own transaction, so two concurrent retries serialize on the
unique index: the second waits for the first to commit, then finds its result.
Keys are kept for KEEP_FOR (at least 24 hours), then purged.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import utcnow
from models.credit import IdempotencyKey
from services.errors import ErrorCode, ValidationError

KEEP_FOR = timedelta(hours=48)
MAX_KEY_LENGTH = 100


@dataclass(frozen=True)
class Claim:
    """Either the key is new (`row` to be completed with the result) or it was used before
    with this same input (`previous` is the result it answered then)."""

    row: IdempotencyKey | None
    previous: dict[str, Any] | None


def request_hash(operation: str, request: dict[str, Any]) -> str:
    canonical = json.dumps({"op": operation, **request}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def claim(
    session: AsyncSession,
    *,
    user_id: int,
    key: str | None,
    operation: str,
    request: dict[str, Any],
) -> Claim:
    if key is None:
        return Claim(row=None, previous=None)
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ValidationError(f"Must be 1 to {MAX_KEY_LENGTH} characters", field="idempotencyKey")
    fingerprint = request_hash(operation, request)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    inserted = await session.scalar(
        insert(IdempotencyKey)
        .values(
            user_id=user_id,
            key=key,
            operation=operation,
            request_hash=fingerprint,
            result={},
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(IdempotencyKey.id)
    )
    if inserted is not None:
        row = await session.get(IdempotencyKey, inserted)
        assert row is not None
        return Claim(row=row, previous=None)
    existing = await session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )
    assert existing is not None  # the conflict says it exists, and keys are never updated
    if existing.request_hash != fingerprint:
        raise ValidationError(
            "This idempotency key was used for a different request",
            field="idempotencyKey",
            code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
        )
    return Claim(row=None, previous=dict(existing.result))


def record(claim: Claim, result: dict[str, Any]) -> None:
    if claim.row is not None:
        claim.row.result = result


async def purge_expired(session: AsyncSession, *, now: datetime | None = None) -> int:
    cutoff = (now or utcnow()) - KEEP_FOR
    outcome = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff)
    )
    return int(getattr(outcome, "rowcount", 0) or 0)
