"""The credit ledger: grants, moves between parent and child, charges, and who pays.

Invariants (checked by `check_invariants`, and by `cli.py ledger-check` on a live database):
- every balance is non-negative (a CHECK constraint) and equals the sum of its entries;
- the sum of all balances equals credits granted minus credits charged (moves net to zero).

Balance rows are locked before they change, always in ascending company id, so two
operations touching the same balances cannot deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.audit import AuditEntry
from models.base import NOT_FETCHED, UTCDateTime, utcnow
from models.company import Company, ancestor_paths
from models.credit import ENTRY_COLUMNS, CreditBalance, EntryKind, EntryRow, LedgerEntry
from models.user import User, UserRow
from policies.actor import Actor
from policies.enforcer import Action
from policies.scope import actor_parameters, in_subtree_between, relation_of
from services import audit, events, idempotency
from services.access import Named, authorize_company, authorize_named, require
from services.audit import AuditAction as Act
from services.errors import ErrorCode, NotFoundError, ValidationError
from services.pagination import Page, PageRequest, cursor_keys

MAX_AMOUNT = 1_000_000
MAX_REASON = 500


class InsufficientCreditsError(ValidationError):
    def __init__(self, *, field: str = "amount", available: int) -> None:
        super().__init__(
            f"Not enough credits: {available} available",
            field=field,
            code=ErrorCode.INSUFFICIENT_CREDITS,
            available=available,
        )


def _clean_amount(amount: int) -> int:
    if amount < 1:
        raise ValidationError(
            "Must be at least 1", field="amount", code=ErrorCode.BELOW_MINIMUM, minimum=1
        )
    if amount > MAX_AMOUNT:
        raise ValidationError(
            f"Must be at most {MAX_AMOUNT}",
            field="amount",
            code=ErrorCode.OUT_OF_RANGE,
            maximum=MAX_AMOUNT,
        )
    return amount


def _clean_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise ValidationError(
            f"Must be at most {MAX_REASON} characters",
            field="reason",
            code=ErrorCode.TOO_LONG,
            maximum=MAX_REASON,
        )
    return reason


def _refuse_archived(company: Company, field: str) -> None:
    if company.archived_at is not None:
        raise ValidationError(
            "The company is archived", field=field, code=ErrorCode.COMPANY_ARCHIVED
        )


def _clean_reference(reference: str | None) -> str | None:
    if reference is None or not reference.strip():
        return None
    if len(reference.strip()) > 100:
        raise ValidationError(
            "Must be at most 100 characters",
            field="reference",
            code=ErrorCode.TOO_LONG,
            maximum=100,
        )
    return reference.strip()


async def lock_balances(
    session: AsyncSession, company_ids: Sequence[int]
) -> dict[int, CreditBalance]:
    """The balance rows of these companies, created if missing, locked in id order."""
    ids = sorted(set(company_ids))
    await ensure_balances(session, ids)
    rows = await session.scalars(
        select(CreditBalance)
        .where(CreditBalance.company_id.in_(ids))
        .order_by(CreditBalance.company_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.company_id: row for row in rows}


async def post(
    session: AsyncSession,
    balance: CreditBalance,
    *,
    kind: EntryKind,
    amount: int,
    actor_id: int | None,
    now: datetime,
    reason: str = "",
    reference: str | None = None,
    device_id: int | None = None,
    transfer_id: str | None = None,
) -> LedgerEntry:
    """Change a locked balance and append the entry that explains it."""
    if balance.balance + amount < 0:
        raise InsufficientCreditsError(available=balance.balance)
    balance.balance += amount
    balance.updated_at = now
    entry = LedgerEntry(
        company_id=balance.company_id,
        kind=kind,
        amount=amount,
        balance_after=balance.balance,
        actor_id=actor_id,
        created_at=now,
        reason=reason,
        reference=reference,
        device_id=device_id,
        transfer_id=transfer_id,
    )
    session.add(entry)
    await session.flush()
    await events.ledger_posted(session, entry)
    return entry


async def grant_credits(
    session: AsyncSession,
    *,
    actor: Actor,
    company_id: int,
    amount: int,
    reason: str = "",
    reference: str | None = None,
    idempotency_key: str | None = None,
) -> LedgerEntry:
    """Sell credits to a company: they come from the platform's issuing account."""
    # Shared lock: the company cannot be archived while credits enter it.
    company = await authorize_company(
        session, actor, Action.CREDIT_GRANT, company_id, field="companyId", share=True
    )
    _refuse_archived(company, "companyId")
    amount, reason = _clean_amount(amount), _clean_reason(reason)
    reference = _clean_reference(reference)
    claim = await idempotency.claim(
        session,
        user_id=actor.user_id,
        key=idempotency_key,
        operation="credit.grant",
        request={"company": company_id, "amount": amount, "reason": reason, "ref": reference},
    )
    if claim.previous is not None:
        return await _entry(session, claim.previous["entryId"])
    now = utcnow()
    balances = await lock_balances(session, [company_id])
    entry = await post(
        session,
        balances[company_id],
        kind=EntryKind.GRANT,
        amount=amount,
        actor_id=actor.user_id,
        now=now,
        reason=reason,
        reference=reference,
    )
    idempotency.record(claim, {"entryId": entry.id})
    grant = audit.created(amount=amount, reason=reason, reference=reference)
    audit.record(session, Act.CREDIT_GRANT, actor, company, grant, now=now)
    return entry


@dataclass(frozen=True)
class Transfer:
    transfer_id: str
    out_entry: LedgerEntry
    in_entry: LedgerEntry


async def move_credits(
    session: AsyncSession,
    *,
    actor: Actor,
    source_id: int,
    target_id: int,
    amount: int,
    reason: str = "",
    idempotency_key: str | None = None,
) -> Transfer:
    """Between a company and one of its children, either way; both in the actor's scope."""
    named_source = Named(Company, source_id, "fromCompanyId")
    named_target = Named(Company, target_id, "toCompanyId")
    found = await authorize_named(session, actor, Action.CREDIT_MOVE, named_source, named_target)
    source, target = found[named_source], found[named_target]
    # Credits may leave an archived company (none should be there), never enter one.
    _refuse_archived(target, "toCompanyId")
    if source.parent_id != target.id and target.parent_id != source.id:
        raise ValidationError(
            "Credits move only between a company and one of its children",
            field="toCompanyId",
            code=ErrorCode.NOT_PARENT_AND_CHILD,
        )
    amount, reason = _clean_amount(amount), _clean_reason(reason)
    claim = await idempotency.claim(
        session,
        user_id=actor.user_id,
        key=idempotency_key,
        operation="credit.move",
        request={"from": source_id, "to": target_id, "amount": amount, "reason": reason},
    )
    if claim.previous is not None:
        return await _recorded_transfer(session, claim.previous["transferId"])
    move = _Move(source_id, target_id, amount, reason, actor.user_id, uuid.uuid4().hex, utcnow())
    idempotency.record(claim, {"transferId": move.transfer_id})
    # In the child's log: its own administrators see credits come and go, and the parent's
    # see it too (a descendant's entry), whichever way the credits went.
    child = target if target.parent_id == source.id else source
    changes = move.changes(source, target)
    transfer = None
    if session.get_bind().dialect.name == "postgresql":
        # The entry is written by the move's own statement, only when the move applies.
        entry = audit.entry(Act.CREDIT_MOVE, actor, child, changes, company=child, now=move.now)
        transfer = await _move_at_once(session, move, entry)
        if transfer is None:
            # It did not apply, and changed nothing: find out why step by step, under the
            # share lock on the target that the statement would have taken.
            target = await authorize_company(
                session, actor, Action.CREDIT_MOVE, target_id, field="toCompanyId", share=True
            )
            _refuse_archived(target, "toCompanyId")
    if transfer is None:
        audit.record(session, Act.CREDIT_MOVE, actor, child, changes, company=child, now=move.now)
        transfer = await _move_step_by_step(session, move)
    await events.ledger_posted(session, transfer.out_entry, transfer.in_entry)
    return transfer


@dataclass(frozen=True)
class _Move:
    source_id: int
    target_id: int
    amount: int
    reason: str
    actor_id: int
    transfer_id: str
    now: datetime

    def changes(self, source: Company, target: Company) -> dict[str, tuple[Any, Any]]:
        """What the audit records of it (the child company's entry)."""
        return audit.created(
            amount=self.amount,
            fromCompany=source.name,
            toCompany=target.name,
            reason=self.reason,
            transfer=self.transfer_id,
        )

    def entry(
        self, company_id: int, balance_after: int, entry_id: int | None = None
    ) -> LedgerEntry:
        out = company_id == self.source_id
        return LedgerEntry(
            id=entry_id,
            company_id=company_id,
            kind=EntryKind.MOVE_OUT if out else EntryKind.MOVE_IN,
            amount=-self.amount if out else self.amount,
            balance_after=balance_after,
            actor_id=self.actor_id,
            created_at=self.now,
            reason=self.reason,
            reference=None,
            device_id=None,
            transfer_id=self.transfer_id,
        )


# PostgreSQL: the whole move in one statement, so a busy company's balance row is locked for
# that statement and the commit only, not for a round trip per step. The target company is
# share-locked (it cannot be archived until commit) and must not be archived. The balance
# rows are locked only when both exist (else the step-by-step path, which creates them
# before it locks anything, would take its locks after these, out of order), in company id
# order, and read at their newest version; both change and both entries are appended only
# if the source has the amount. Otherwise the statement changes nothing, and the
# step-by-step path says why (holding at most both balance locks, in order, already).
_MOVE_AT_ONCE_SQL = """
WITH target AS MATERIALIZED (
    SELECT id FROM companies WHERE id = :target AND archived_at IS NULL FOR SHARE
), locked AS MATERIALIZED (
    SELECT company_id, balance FROM credit_balances
    WHERE company_id IN (:source, :target)
      AND EXISTS (SELECT FROM target)
      AND (SELECT count(*) FROM credit_balances WHERE company_id IN (:source, :target)) = 2
    ORDER BY company_id
    FOR UPDATE
), wanted AS (
    SELECT (SELECT balance FROM locked WHERE company_id = :source) - :amount AS source_after,
           (SELECT balance FROM locked WHERE company_id = :target) + :amount AS target_after
), changed AS (
    UPDATE credit_balances AS b
    SET balance = CASE WHEN b.company_id = :source THEN w.source_after ELSE w.target_after END,
        updated_at = :now
    FROM wanted AS w
    WHERE b.company_id IN (:source, :target)
      AND w.source_after >= 0 AND w.target_after IS NOT NULL
    RETURNING b.company_id, b.balance
)
INSERT INTO ledger_entries
    (company_id, kind, amount, balance_after, actor_id, created_at, reason, transfer_id)
SELECT company_id,
       CASE WHEN company_id = :source THEN 'MOVE_OUT' ELSE 'MOVE_IN' END,
       CASE WHEN company_id = :source THEN -:amount ELSE :amount END,
       balance, :actor, :now, :reason, :transfer
FROM changed
RETURNING id, company_id, balance_after
"""


# The move's audit entry, written by the move's own statement when it applies: a statement
# more would cost the hottest mutation a sixth of its rate (bench W5), most of it in the
# ORM's flush, and hold the busy balance row locked for one more round trip.
_AUDITED = [c for c in AuditEntry.__table__.columns if c.key not in ("id", "seq")]
_AUDIT_INSERT = (
    "), audited AS (\n"  # noqa: S608 - the model's column names, no input
    f"    INSERT INTO audit_entries ({', '.join(c.name for c in _AUDITED)})\n"
    f"    SELECT {', '.join(':audit_' + c.key for c in _AUDITED)}\n"
    "    WHERE EXISTS (SELECT FROM changed)\n"
    ")\nINSERT INTO ledger_entries"
)
_MOVE_AT_ONCE = text(
    _MOVE_AT_ONCE_SQL.replace(")\nINSERT INTO ledger_entries", _AUDIT_INSERT, 1)
).bindparams(
    bindparam("now", type_=UTCDateTime()),
    *[bindparam("audit_" + c.key, type_=c.type) for c in _AUDITED],
)


async def _move_at_once(session: AsyncSession, move: _Move, entry: AuditEntry) -> Transfer | None:
    rows = (
        await session.execute(
            _MOVE_AT_ONCE,
            {
                "source": move.source_id,
                "target": move.target_id,
                "amount": move.amount,
                "now": move.now,
                "actor": move.actor_id,
                "reason": move.reason,
                "transfer": move.transfer_id,
                **{"audit_" + c.key: getattr(entry, c.key) for c in _AUDITED},
            },
        )
    ).all()
    if not rows:
        return None
    entries = {
        row.company_id: move.entry(row.company_id, row.balance_after, row.id) for row in rows
    }
    return Transfer(move.transfer_id, entries[move.source_id], entries[move.target_id])


async def _move_step_by_step(session: AsyncSession, move: _Move) -> Transfer:
    # Everything that can happen before the balances are locked does: the balance rows'
    # existence. Then the rows are locked in ascending company id (no deadlock) by the
    # updates themselves, and only the entries' insert and the commit follow.
    await ensure_balances(session, [move.source_id, move.target_id])
    after: dict[int, int] = {}
    for company_id in sorted((move.source_id, move.target_id)):
        delta = -move.amount if company_id == move.source_id else move.amount
        after[company_id] = await _apply(session, company_id, delta, move.now)
    out_entry = move.entry(move.source_id, after[move.source_id])
    in_entry = move.entry(move.target_id, after[move.target_id])
    session.add_all([out_entry, in_entry])
    await session.flush()  # one INSERT of both entries
    return Transfer(transfer_id=move.transfer_id, out_entry=out_entry, in_entry=in_entry)


async def ensure_balances(session: AsyncSession, company_ids: Sequence[int]) -> None:
    """Create missing balance rows (at zero) without locking the existing ones."""
    ids, now = sorted(set(company_ids)), utcnow()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    await session.execute(
        insert(CreditBalance)
        .values([{"company_id": cid, "balance": 0, "updated_at": now} for cid in ids])
        .on_conflict_do_nothing(index_elements=["company_id"])
    )


async def _apply(session: AsyncSession, company_id: int, delta: int, now: datetime) -> int:
    """Add `delta` to a balance (locking its row) unless it would go negative; the new
    balance, or INSUFFICIENT_CREDITS with what is available."""
    balance = CreditBalance.__table__.c
    new_balance: int | None = await session.scalar(
        update(CreditBalance)
        .where(balance.company_id == company_id, balance.balance + delta >= 0)
        .values(balance=balance.balance + delta, updated_at=now)
        .returning(balance.balance)
    )
    if new_balance is None:
        available = await session.scalar(
            select(balance.balance).where(balance.company_id == company_id)
        )
        raise InsufficientCreditsError(available=available or 0)
    return new_balance


async def _recorded_transfer(session: AsyncSession, transfer_id: str) -> Transfer:
    """A move made before under the same idempotency key, answered again."""
    entries = (
        await session.scalars(select(LedgerEntry).where(LedgerEntry.transfer_id == transfer_id))
    ).all()
    by_kind = {entry.kind: entry for entry in entries}
    return Transfer(
        transfer_id=transfer_id,
        out_entry=by_kind[EntryKind.MOVE_OUT],
        in_entry=by_kind[EntryKind.MOVE_IN],
    )


async def _entry(session: AsyncSession, entry_id: int) -> LedgerEntry:
    entry = await session.get(LedgerEntry, entry_id)
    assert entry is not None  # entries are never deleted
    return entry


# --- who pays ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Payer:
    company: Company
    levels_up: int  # 0: the company pays itself


async def payer_of(session: AsyncSession, company: Company) -> Payer:
    """The company, or up the chain while `useParentCredits` is set (one query)."""
    if not company.use_parent_credits:
        return Payer(company, 0)
    rows = await session.scalars(
        select(Company).where(Company.path.in_(ancestor_paths(company.path)))
    )
    return payer_in_chain(company, list(rows))


def payer_in_chain(company: Company, ancestors: Sequence[Company]) -> Payer:
    """The payer of `company` given its ancestors (any order; a list batches their load)."""
    by_id = {row.id: row for row in ancestors}
    current, levels = company, 0
    while current.use_parent_credits and current.parent_id in by_id:
        current, levels = by_id[current.parent_id], levels + 1
    return Payer(current, levels)


# --- reads ----------------------------------------------------------------------------


def require_credit_read(actor: Actor, company: Company) -> None:
    """For a company already loaded through a scoped query: may the actor read its credits?"""
    relation = relation_of(actor, company)
    if relation is None:
        raise NotFoundError("Company")
    require(actor, Action.CREDIT_READ, relation)


async def balances_by_company(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    rows = await session.execute(
        select(CreditBalance.company_id, CreditBalance.balance).where(
            CreditBalance.company_id.in_(ids)
        )
    )
    return {company_id: balance for company_id, balance in rows}


async def entries_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, LedgerEntry]:
    rows = await session.scalars(select(LedgerEntry).where(LedgerEntry.id.in_(ids)))
    return {entry.id: entry for entry in rows}


async def get_entry(session: AsyncSession, *, actor: Actor, entry_id: int) -> LedgerEntry | None:
    entry = await session.get(LedgerEntry, entry_id)
    if entry is None:
        return None
    try:
        await authorize_company(session, actor, Action.CREDIT_READ, entry.company_id)
    except NotFoundError:
        return None
    return entry


EntryPage = Page[EntryRow]


@dataclass(frozen=True)
class EntryFilter:
    kinds: Sequence[EntryKind] = ()
    since: datetime | None = None
    until: datetime | None = None


@cache
def _entries_query(
    *,
    kinds: bool,
    since: bool,
    until: bool,
    after: bool,
    before: bool,
    backward: bool,
    with_actors: bool,
) -> Select[Any]:
    """The statement of a page of this shape, built once; the values are its parameters.
    With actors: each entry's actor's columns (`UserRow`), joined only when the actor's
    company is in the viewer's subtree (all null otherwise, and for the job)."""
    query = select(*(getattr(LedgerEntry, name) for name in ENTRY_COLUMNS)).where(
        LedgerEntry.company_id == bindparam("company_id")
    )
    if kinds:
        query = query.where(LedgerEntry.kind.in_(bindparam("kinds", expanding=True)))
    if since:
        query = query.where(LedgerEntry.created_at >= bindparam("since"))
    if until:
        query = query.where(LedgerEntry.created_at < bindparam("until"))
    # Newest first: `after` is older, `before` newer; `last` reads from the oldest up.
    if after:
        query = query.where(LedgerEntry.id < bindparam("after"))
    if before:
        query = query.where(LedgerEntry.id > bindparam("before"))
    order = LedgerEntry.id.asc() if backward else LedgerEntry.id.desc()
    query = query.order_by(order).limit(bindparam("limit", type_=Integer))
    if not with_actors:
        return query
    # Each entry's actor and the actor's company by primary key, and whether the viewer may
    # see the actor as a column: a join on the subtree's range instead let PostgreSQL
    # misjudge the range (1 company for 1,000) and compare every entry with every user of it.
    place = aliased(Company, name="actor_company")
    within = in_subtree_between(bindparam("actor_path"), bindparam("actor_path_end"), place.path)
    return (
        query.add_columns(
            *(getattr(User, name) for name in UserRow._fields), within.label("actor_visible")
        )
        .outerjoin(User, User.id == LedgerEntry.actor_id)
        .outerjoin(place, place.id == User.company_id)
    )


_ACTOR = len(ENTRY_COLUMNS)  # where an entry's actor's columns start in its result row


async def list_entries(
    session: AsyncSession,
    *,
    actor: Actor,
    company_id: int,
    filters: EntryFilter,
    request: PageRequest,
    with_actors: bool = False,
) -> EntryPage:
    """A company's ledger, newest first; keyset on the id, so page 1,000 costs what page 1
    does (the (company_id, id) index serves both). `with_actors` joins each entry's actor
    when the actor's company is in the viewer's subtree (null otherwise), in the same query."""
    await authorize_company(session, actor, Action.CREDIT_READ, company_id, field="companyId")
    after, before = cursor_keys(request, int)
    query = _entries_query(
        kinds=bool(filters.kinds),
        since=filters.since is not None,
        until=filters.until is not None,
        after=after is not None,
        before=before is not None,
        backward=request.backward,
        with_actors=with_actors,
    )
    values: dict[str, Any] = {"company_id": company_id, "limit": request.limit}
    if filters.kinds:
        values["kinds"] = list(filters.kinds)
    if filters.since is not None:
        values["since"] = filters.since
    if filters.until is not None:
        values["until"] = filters.until
    if after is not None:
        values["after"] = after[0]
    if before is not None:
        values["before"] = before[0]
    if with_actors:
        values.update(actor_parameters(actor))
    result = await session.execute(query, values)
    if not with_actors:
        rows = [EntryRow._make((*row, NOT_FETCHED)) for row in result]
    else:
        rows = [
            EntryRow._make(
                (
                    *row[:_ACTOR],
                    UserRow._make(row[_ACTOR:-1]) if row[-1] else None,
                )
            )
            for row in result
        ]
    return Page.from_rows(rows, request, key=_by_id)


def _by_id(entry: EntryRow) -> tuple[Any, ...]:
    return (entry.id,)


# --- invariants --------------------------------------------------------------------------


async def check_invariants(session: AsyncSession) -> list[str]:
    """Problems found, empty when the ledger is sound."""
    problems: list[str] = []
    sums = (
        select(LedgerEntry.company_id, func.sum(LedgerEntry.amount).label("total"))
        .group_by(LedgerEntry.company_id)
        .subquery()
    )
    # Companies by name, as their people know them, with the id an operator queries by.
    mismatches = await session.execute(
        select(CreditBalance.company_id, Company.name, CreditBalance.balance, sums.c.total)
        .outerjoin(sums, sums.c.company_id == CreditBalance.company_id)
        .outerjoin(Company, Company.id == CreditBalance.company_id)
        .where(CreditBalance.balance != func.coalesce(sums.c.total, 0))
    )
    for company_id, name, balance, total in mismatches:
        problems.append(
            f"{_company(company_id, name)}: balance {balance} but entries sum to {total or 0}"
        )
    orphans = await session.execute(
        select(sums.c.company_id, Company.name, sums.c.total)
        .outerjoin(CreditBalance, CreditBalance.company_id == sums.c.company_id)
        .outerjoin(Company, Company.id == sums.c.company_id)
        .where(CreditBalance.company_id.is_(None))
    )
    for company_id, name, total in orphans:
        problems.append(f"{_company(company_id, name)}: entries sum to {total} but has no balance")
    total_balance = await session.scalar(select(func.coalesce(func.sum(CreditBalance.balance), 0)))
    granted = await session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.kind == EntryKind.GRANT
        )
    )
    charged = await session.scalar(
        select(func.coalesce(-func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.kind == EntryKind.CHARGE
        )
    )
    if total_balance != (granted or 0) - (charged or 0):
        problems.append(
            f"balances sum to {total_balance}, but {granted} were granted and {charged} charged"
        )
    unbalanced = await session.execute(
        select(LedgerEntry.transfer_id, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.transfer_id.is_not(None))
        .group_by(LedgerEntry.transfer_id)
        .having(func.sum(LedgerEntry.amount) != 0)
    )
    for transfer_id, total in unbalanced:
        problems.append(f"transfer {transfer_id}: its two entries sum to {total}, not 0")
    return problems


def _company(company_id: int, name: str | None) -> str:
    return f"company {name!r} (id {company_id})" if name else f"company id {company_id}"
