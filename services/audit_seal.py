"""Sealing, verifying, purging and exporting the audit trail.

Why sealing after commit is sound. Each entry is written with a MAC under the audit key
(services/audit.py): without the key, SQL alone cannot write or edit an entry that passes.
What a MAC cannot show is an entry that is missing, so the sealing job gives committed
entries their place in one chain: it takes the unsealed entries it sees (in id order), numbers
them on from the last seal (`seq`), and appends a seal whose hash covers the previous seal's
hash, the batch's range and count, and a digest of each entry's seq, id and MAC. Only the
sealer touches the chain's head, and it is one job holding a lock, so writers never wait on
it; an entry that commits after a later id was sealed simply goes into the next batch.

The verifier then recomputes everything: the seals' chain (a seal removed, edited or
inserted breaks it), each batch's count and digest (an entry removed, or moved), each entry's
MAC (an entry edited or forged, sealed or not), that no entry claims a seq beyond the last
seal, and that the companies' paths copied on entries still match the tree. What it cannot
see: an entry deleted in the seconds between its commit and its sealing, and the newest
seals removed together with their entries (the report prints the head hash: keep it
elsewhere, and pass it back with --head to check that nothing after it was cut off).

Retention deletes whole batches sealed before the cutoff (so every entry in them is older)
and keeps their seals, marked purged: the chain of the rest verifies as before. A seal's
hash covers when it was sealed, and the purge records its cutoff in an entry of its own
(MAC'd like any other), so a batch marked purged through SQL alone, to delete recent
entries, is named by the verifier: no recorded purge covers it.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Select, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.audit import AuditEntry, AuditSeal
from models.base import utcnow
from models.company import Company, subtree_upper_bound
from services import audit
from services.audit import AuditAction as Act

GENESIS = "0" * 64
SEAL_BATCH = 5000
VERIFY_BATCH = 5000
# Any constant: PostgreSQL's advisory lock that lets one sealer run at a time.
_SEAL_LOCK = 0x41554454


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def entries_digest(rows: Sequence[tuple[int, int, str]]) -> str:
    """Over (seq, id, mac) of a batch, in seq order."""
    digest = hashlib.sha256()
    for seq, entry_id, mac in rows:
        digest.update(f"{seq}:{entry_id}:{mac}\n".encode())
    return digest.hexdigest()


def seal_hash(
    prev_hash: str, first_seq: int, last_seq: int, count: int, digest: str, sealed_at: datetime
) -> str:
    # sealed_at is covered: the purge goes by it, so it must not be backdated.
    return hashlib.sha256(
        f"{prev_hash}|{first_seq}|{last_seq}|{count}|{digest}|{sealed_at.isoformat()}".encode()
    ).hexdigest()


# --- sealing ---------------------------------------------------------------------------------


async def seal(
    session: AsyncSession, *, batch: int = SEAL_BATCH, now: datetime | None = None
) -> int:
    """Seal up to `batch` committed, unsealed entries as one batch; how many. The caller
    commits (and calls again while it returns `batch`)."""
    if _is_postgres(session):
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SEAL_LOCK})
    head = (
        await session.execute(
            select(AuditSeal.last_seq, AuditSeal.hash).order_by(AuditSeal.id.desc()).limit(1)
        )
    ).first()
    last_seq, prev_hash = (head.last_seq, head.hash) if head else (0, GENESIS)
    rows = (
        await session.execute(
            select(AuditEntry.id, AuditEntry.mac)
            .where(AuditEntry.seq.is_(None))
            .order_by(AuditEntry.id)
            .limit(batch)
        )
    ).all()
    if not rows:
        return 0
    numbered = [(last_seq + n, row.id, row.mac) for n, row in enumerate(rows, start=1)]
    await session.execute(
        update(AuditEntry).execution_options(synchronize_session=False),
        [{"id": entry_id, "seq": seq} for seq, entry_id, _ in numbered],
    )
    digest = entries_digest(numbered)
    first, last = numbered[0][0], numbered[-1][0]
    sealed_at = now or utcnow()
    session.add(
        AuditSeal(
            first_seq=first,
            last_seq=last,
            entry_count=len(numbered),
            entries_digest=digest,
            prev_hash=prev_hash,
            hash=seal_hash(prev_hash, first, last, len(numbered), digest, sealed_at),
            sealed_at=sealed_at,
        )
    )
    await session.flush()
    return len(numbered)


# --- retention -------------------------------------------------------------------------------


async def purge(session: AsyncSession, *, cutoff: datetime) -> int:
    """Delete the entries of every batch sealed before `cutoff`, keep its seal (marked
    purged) and record the purge itself; how many entries went. The caller commits."""
    if _is_postgres(session):
        deleted = int(
            await session.scalar(text("SELECT audit_purge(:cutoff)"), {"cutoff": cutoff}) or 0
        )
    else:
        ranges = (
            await session.execute(
                select(AuditSeal.id, AuditSeal.first_seq, AuditSeal.last_seq).where(
                    AuditSeal.purged_at.is_(None), AuditSeal.sealed_at < cutoff
                )
            )
        ).all()
        deleted = 0
        for seal_id, first, last in ranges:
            result = await session.execute(
                delete(AuditEntry).where(AuditEntry.seq.between(first, last))
            )
            deleted += int(getattr(result, "rowcount", 0) or 0)
            await session.execute(
                update(AuditSeal).where(AuditSeal.id == seal_id).values(purged_at=utcnow())
            )
    if deleted:
        purged = audit.created(entries=deleted, before=cutoff)
        await audit.record_on_platform(session, Act.AUDIT_PURGE, audit.SYSTEM, None, purged)
    return deleted


# --- verification ----------------------------------------------------------------------------


@dataclass
class Report:
    seals: int = 0
    entries: int = 0
    unsealed: int = 0
    purged_seals: int = 0
    head: str = GENESIS
    problems: list[str] | None = None

    def __post_init__(self) -> None:
        self.problems = [] if self.problems is None else self.problems

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, text: str) -> None:
        assert self.problems is not None
        self.problems.append(text)


def _check_mac(report: Report, entry: AuditEntry, where: str) -> None:
    if audit.mac_of(entry) != entry.mac:
        report.problem(f"{where}: changed or written behind the application's back (MAC mismatch)")


async def _entries(session: AsyncSession, query: Select[Any]) -> AsyncIterator[AuditEntry]:
    result = await session.stream_scalars(query.execution_options(yield_per=VERIFY_BATCH))
    async for entry in result:
        yield entry


async def verify(session: AsyncSession, *, head: str | None = None) -> Report:
    """Check the chain, every batch and every entry; name what is wrong."""
    report = Report()
    prev_hash, next_seq = GENESIS, 1
    seals = await session.scalars(select(AuditSeal).order_by(AuditSeal.id))
    seen_head = head is None
    purged: list[tuple[datetime, str]] = []
    for seal in list(seals):
        report.seals += 1
        name = f"seal {seal.id} (seq {seal.first_seq}-{seal.last_seq})"
        if seal.prev_hash != prev_hash:
            report.problem(
                f"{name}: does not follow the previous seal (a seal removed or inserted)"
            )
        if seal.first_seq != next_seq:
            report.problem(f"{name}: starts at seq {seal.first_seq}, expected {next_seq}")
        expected = seal_hash(
            seal.prev_hash,
            seal.first_seq,
            seal.last_seq,
            seal.entry_count,
            seal.entries_digest,
            seal.sealed_at,
        )
        if seal.hash != expected:
            report.problem(f"{name}: its hash does not match its content (the seal was edited)")
        if seal.purged_at is not None:
            report.purged_seals += 1
            purged.append((seal.sealed_at, name))
        else:
            await _verify_batch(session, report, seal, name)
        prev_hash, next_seq = seal.hash, seal.last_seq + 1
        seen_head = seen_head or seal.hash == head
    report.head = prev_hash
    if not seen_head:
        report.problem(f"the recorded head {head} is not in the chain (seals cut off or rewritten)")
    beyond = select(AuditEntry).where(AuditEntry.seq >= next_seq).order_by(AuditEntry.seq)
    async for entry in _entries(session, beyond):
        report.problem(f"entry {entry.id}: claims seq {entry.seq}, which no seal covers (inserted)")
    unsealed = select(AuditEntry).where(AuditEntry.seq.is_(None)).order_by(AuditEntry.id)
    async for entry in _entries(session, unsealed):
        report.unsealed += 1
        _check_mac(report, entry, f"unsealed entry {entry.id}")
    await _verify_purges(session, report, purged)
    await _verify_paths(session, report)
    return report


async def _verify_purges(
    session: AsyncSession, report: Report, purged: list[tuple[datetime, str]]
) -> None:
    """Every purged batch was sealed before the cutoff of a recorded purge. Marking a seal
    purged takes SQL alone; the purge's own entry (`before`: its cutoff) takes the key.
    Cutoffs only grow, and a purge that deletes the entry of an earlier one records its
    own, so the newest surviving purge entry covers every batch purged so far."""
    if not purged:
        return
    cutoff: datetime | None = None
    query = select(AuditEntry).where(AuditEntry.action == Act.AUDIT_PURGE.value)
    async for entry in _entries(session, query):
        if audit.mac_of(entry) != entry.mac:
            continue  # reported as changed by the checks above
        before = datetime.fromisoformat(entry.changes["before"][1])
        cutoff = before if cutoff is None else max(cutoff, before)
    for sealed_at, name in purged:
        if cutoff is None or sealed_at >= cutoff:
            report.problem(
                f"{name}: purged, but no recorded purge covers it "
                "(its entries deleted behind the application's back)"
            )


async def _verify_batch(session: AsyncSession, report: Report, seal: AuditSeal, name: str) -> None:
    query = (
        select(AuditEntry)
        .where(AuditEntry.seq.between(seal.first_seq, seal.last_seq))
        .order_by(AuditEntry.seq)
    )
    numbered: list[tuple[int, int, str]] = []
    expected = seal.first_seq
    async for entry in _entries(session, query):
        assert entry.seq is not None
        for missing in range(expected, entry.seq):
            report.problem(f"seq {missing} of {name}: removed")
        expected = entry.seq + 1
        _check_mac(report, entry, f"seq {entry.seq} (entry {entry.id})")
        numbered.append((entry.seq, entry.id, entry.mac))
    for missing in range(expected, seal.last_seq + 1):
        report.problem(f"seq {missing} of {name}: removed")
    report.entries += len(numbered)
    if len(numbered) == seal.entry_count and entries_digest(numbered) != seal.entries_digest:
        report.problem(f"{name}: its entries are not the ones sealed (ids or MACs replaced)")


async def _verify_paths(session: AsyncSession, report: Report) -> None:
    """The paths copied on entries (the hierarchy filter reads them) match the tree."""
    actor_company = aliased(Company)
    rows = await session.execute(
        select(AuditEntry.id)
        .join(Company, Company.id == AuditEntry.company_id, isouter=True)
        .join(actor_company, actor_company.id == AuditEntry.actor_company_id, isouter=True)
        .where(
            or_(
                Company.path.is_(None),
                AuditEntry.company_path != Company.path,
                AuditEntry.actor_company_path != actor_company.path,
            )
        )
        .order_by(AuditEntry.id)
    )
    for (entry_id,) in rows:
        report.problem(f"entry {entry_id}: its company path does not match the company tree")


# --- export ----------------------------------------------------------------------------------


async def export(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    company_id: int | None = None,
) -> AsyncIterator[bytes]:
    """JSON Lines, oldest first: every column, so an export can be checked offline."""
    query = select(AuditEntry).order_by(AuditEntry.id)
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if until is not None:
        query = query.where(AuditEntry.created_at < until)
    if company_id is not None:
        path = await session.scalar(select(Company.path).where(Company.id == company_id))
        if path is None:
            raise LookupError(f"no company {company_id}")
        query = query.where(
            AuditEntry.company_path >= path, AuditEntry.company_path < subtree_upper_bound(path)
        )
    async for entry in _entries(session, query):
        yield (
            orjson.dumps(
                {column.key: getattr(entry, column.key) for column in AuditEntry.__table__.columns}
            )
            + b"\n"
        )


async def count_unsealed(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).where(AuditEntry.seq.is_(None))) or 0)
