"""Company operations: the tree's reads (all scoped in SQL) and its mutations."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, func, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.base import utcnow
from models.company import (
    COMPANY_COLUMNS,
    Company,
    CompanyCounts,
    CompanyRead,
    CompanyRow,
    ancestor_paths,
    path_segment,
)
from models.device import Device
from models.user import User
from policies.actor import Actor
from policies.enforcer import Action, Relation
from policies.scope import in_subtree, visible_to
from services import audit
from services.access import authorize_company, company_in_scope, require
from services.audit import AuditAction as Act
from services.credit import balances_by_company
from services.device import count_registered
from services.errors import (
    ArchiveBlockedError,
    ArchiveBlocker,
    ErrorCode,
    NotFoundError,
    ValidationError,
)
from services.pagination import Page, PageRequest, cursor_keys, keyset
from services.validation import clean_country_code, clean_name


@dataclass(frozen=True)
class CompanyFilter:
    include_archived: bool = False


class WithCounts(enum.Enum):
    """Which counts a list fetches along with its rows (each an index lookup per row)."""

    BASIC = "children, users, devices"
    ALL = "and descendants"


_ROW_COLUMNS = tuple(getattr(Company, name) for name in COMPANY_COLUMNS)
_ID, _COUNTS = 0, len(COMPANY_COLUMNS)  # positions in a page's result rows


@cache
def _count_columns(*, descendants: bool) -> tuple[ColumnElement[Any], ...]:
    """Correlated counts of the outer query's company: a page's counts in its own query.
    Built once: SQL expressions are immutable, and each statement correlates them itself."""
    below = aliased(Company)
    columns: list[ColumnElement[Any]] = [
        select(func.count())
        .where(below.parent_id == Company.id, below.archived_at.is_(None))
        .scalar_subquery(),
        select(func.count()).where(User.company_id == Company.id, User.is_active).scalar_subquery(),
        select(func.count())
        .where(Device.company_id == Company.id, Device.unregistered_at.is_(None))
        .scalar_subquery(),
    ]
    if descendants:
        upper = func.substr(Company.path, 1, func.length(Company.path) - 1).concat("0")
        columns.append(
            select(func.count())
            .where(below.path > Company.path, below.path < upper, below.archived_at.is_(None))
            .scalar_subquery()
        )
    return tuple(columns)


def _not_archived(filters: CompanyFilter) -> ColumnElement[bool]:
    return true() if filters.include_archived else Company.archived_at.is_(None)


async def get_company(session: AsyncSession, *, actor: Actor, company_id: int) -> Company | None:
    """A company the actor may read, or None (missing and out of scope look the same)."""
    found = await company_in_scope(session, actor, company_id)
    if found is None:
        return None
    company, relation = found
    require(actor, Action.COMPANY_READ, relation)
    return company


async def companies_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Company]:
    """Batch load for DataLoaders; callers reach these ids only through scoped rows."""
    rows = await session.scalars(select(Company).where(Company.id.in_(ids)))
    return {company.id: company for company in rows}


CompanyPage = Page[CompanyRow]


def _rows() -> Select[Any]:
    """A list's statement: the columns of `CompanyRow`, in its order."""
    return select(*_ROW_COLUMNS)


def _by_path(row: CompanyRow) -> tuple[Any, ...]:
    return (row.path,)


def _by_name(row: CompanyRow) -> tuple[Any, ...]:
    return (row.name, row.id)


def _company_rows(result: Any, counts: WithCounts | None) -> list[CompanyRow]:
    """A list's result rows as `CompanyRow`s: the company's columns, then (with counts)
    children, users, devices (, descendants); anything after those is ignored."""
    if counts is None:
        return [CompanyRow._make((*row[:_COUNTS], None)) for row in result]
    descendants = counts is WithCounts.ALL
    n = _COUNTS
    return [
        CompanyRow._make(
            (
                *row[:n],
                CompanyCounts(
                    row[_ID], row[n], row[n + 1], row[n + 2], row[n + 3] if descendants else None
                ),
            )
        )
        for row in result
    ]


def _with_counts(query: Select[Any], counts: WithCounts | None) -> Select[Any]:
    if counts is None:
        return query
    return query.add_columns(*_count_columns(descendants=counts is WithCounts.ALL))


async def _page(
    session: AsyncSession,
    query: Select[Any],
    request: PageRequest,
    counts: WithCounts | None,
    key: Callable[[CompanyRow], tuple[Any, ...]] = _by_path,
) -> CompanyPage:
    # `query` is already cut to the page (`keyset`: conditions, order, limit).
    result = await session.execute(_with_counts(query, counts))
    return Page.from_rows(_company_rows(result, counts), request, key=key)


async def _scoped_root(session: AsyncSession, actor: Actor, root_id: int | None) -> Company:
    root = await get_company(session, actor=actor, company_id=root_id or actor.company_id)
    if root is None:
        raise NotFoundError("Company", field="rootId")
    return root


def _subtree_query(
    root: CompanyRead, request: PageRequest, *, max_depth: int | None, filters: CompanyFilter
) -> Select[Any]:
    """Depth-first (path) order: each company right after its parent, ready to render."""
    query = _rows().where(in_subtree(root.path), _not_archived(filters))
    if max_depth is not None:
        query = query.where(Company.depth <= root.depth + max_depth)
    return keyset(query, request, [Company.path], str)


async def company_tree(
    session: AsyncSession,
    *,
    actor: Actor,
    request: PageRequest,
    root_id: int | None = None,
    max_depth: int | None = None,
    filters: CompanyFilter = CompanyFilter(),
    counts: WithCounts | None = None,
) -> CompanyPage:
    """The visible subtree under `root_id` (default: the actor's company), root included."""
    root = await _scoped_root(session, actor, root_id)
    query = _subtree_query(root, request, max_depth=max_depth, filters=filters)
    return await _page(session, query, request, counts)


async def company_descendants(
    session: AsyncSession,
    *,
    company: CompanyRead,
    request: PageRequest,
    max_depth: int | None = None,
    filters: CompanyFilter = CompanyFilter(),
    counts: WithCounts | None = None,
) -> CompanyPage:
    """Descendants of an already-authorized company, to `max_depth` levels below it."""
    query = _subtree_query(company, request, max_depth=max_depth, filters=filters).where(
        Company.id != company.id
    )
    return await _page(session, query, request, counts)


async def company_children(
    session: AsyncSession,
    *,
    company: CompanyRead,
    request: PageRequest,
    filters: CompanyFilter = CompanyFilter(),
    counts: WithCounts | None = None,
) -> CompanyPage:
    query = _rows().where(Company.parent_id == company.id, _not_archived(filters))
    return await _page(session, keyset(query, request, [Company.path], str), request, counts)


class ChildrenKey(NamedTuple):
    """A page of one company's children, as a DataLoader batches them."""

    parent_id: int
    request: PageRequest
    filters: CompanyFilter
    counts: WithCounts | None


async def children_pages(
    session: AsyncSession, keys: Sequence[ChildrenKey]
) -> dict[ChildrenKey, CompanyPage]:
    """Batch load: the children pages of many companies, one statement per kind of page
    asked (the same size, direction, cursors, filters and counts; in a list, all its rows):
    each parent's children are numbered in path order from the end the page reads from
    (descending for `last`) and the first `size + 1` kept.

    A request's `scope` differs per parent (a cursor is bound to its company's list) and
    was checked when the cursor was decoded, so kinds are grouped without it and each
    page hands out cursors of its own parent."""
    found: dict[ChildrenKey, CompanyPage] = {}
    kinds: dict[tuple[PageRequest, CompanyFilter, WithCounts | None], list[ChildrenKey]] = {}
    for key in keys:
        kind = (replace(key.request, scope=""), key.filters, key.counts)
        kinds.setdefault(kind, []).append(key)
    for (request, filters, counts), members in kinds.items():
        parents = sorted({k.parent_id for k in members})
        order = Company.path.desc() if request.backward else Company.path.asc()
        number = func.row_number().over(partition_by=Company.parent_id, order_by=order)
        inner = _with_counts(_rows(), counts).add_columns(number.label("n"))
        inner = inner.where(Company.parent_id.in_(parents), _not_archived(filters))
        after, before = cursor_keys(request, str)
        if after is not None:
            inner = inner.where(Company.path > after[0])
        if before is not None:
            inner = inner.where(Company.path < before[0])
        numbered = inner.subquery()
        query = (
            select(*numbered.c)
            .where(numbered.c.n <= request.limit)
            .order_by(numbered.c.parent_id, numbered.c.n)
        )
        by_parent: dict[int, list[CompanyRow]] = {parent: [] for parent in parents}
        for row in _company_rows(await session.execute(query), counts):
            assert row.parent_id is not None
            by_parent[row.parent_id].append(row)
        for key in members:
            # Rows come in reading order (reversed for `last`); `from_rows` turns them back.
            page = Page.from_rows(by_parent[key.parent_id], key.request, key=_by_path)
            found[key] = page
    return found


async def company_ancestors(
    session: AsyncSession, *, actor: Actor, company: CompanyRead
) -> list[Company]:
    """The breadcrumb, root first, cut at the actor's own company: nothing above it shows."""
    found = await ancestors_by_path(session, [company.path], within=actor.company_path)
    return found[company.path]


ANCESTOR_PATHS_PER_QUERY = 5_000  # far below the bind parameter limits of both backends


async def ancestors_by_path(
    session: AsyncSession, paths: Sequence[str], *, within: str
) -> dict[str, list[Company]]:
    """Batch load for DataLoaders: the breadcrumb of each path, root first, cut at the
    company at `within` (the actor's): the ancestors are the path's prefixes, so those of
    the whole batch are one `IN` query, distributed afterwards."""
    wanted = {path: [p for p in ancestor_paths(path) if p.startswith(within)] for path in paths}
    needed = sorted({p for ancestors in wanted.values() for p in ancestors})
    by_path: dict[str, Company] = {}
    for start in range(0, len(needed), ANCESTOR_PATHS_PER_QUERY):
        chunk = needed[start : start + ANCESTOR_PATHS_PER_QUERY]
        rows = await session.scalars(select(Company).where(Company.path.in_(chunk)))
        by_path.update((company.path, company) for company in rows)
    return {
        path: [by_path[p] for p in ancestors if p in by_path] for path, ancestors in wanted.items()
    }


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search_companies(
    session: AsyncSession,
    *,
    actor: Actor,
    term: str,
    request: PageRequest,
    filters: CompanyFilter = CompanyFilter(),
    counts: WithCounts | None = None,
) -> CompanyPage:
    """Name contains `term` (case-insensitive), within the visible tree, by name."""
    term = term.strip()
    if len(term) > 200:
        raise ValidationError(
            "Must be at most 200 characters", field="search", code=ErrorCode.TOO_LONG, maximum=200
        )
    pattern = f"%{_escape_like(term.lower())}%"
    query = _rows().where(
        visible_to(actor),
        _not_archived(filters),
        func.lower(Company.name).like(pattern, escape="\\"),
    )
    query = keyset(query, request, [Company.name, Company.id], str, int)
    return await _page(session, query, request, counts, key=_by_name)


class CountsKey(NamedTuple):
    company_id: int
    descendants: bool


async def counts_by_key(
    session: AsyncSession, keys: Sequence[CountsKey]
) -> dict[CountsKey, CompanyCounts]:
    """Batch load for DataLoaders: the counts of companies reached one by one (not in a
    page), one statement per kind of request (with or without descendants)."""
    found: dict[CountsKey, CompanyCounts] = {}
    for descendants in sorted({key.descendants for key in keys}):
        ids = [key.company_id for key in keys if key.descendants == descendants]
        rows = await session.execute(
            select(Company.id, *_count_columns(descendants=descendants)).where(Company.id.in_(ids))
        )
        for company_id, children, users, devices, *below in rows:
            found[CountsKey(company_id, descendants)] = CompanyCounts(
                company_id=company_id,
                children=children,
                users=users,
                devices=devices,
                descendants=below[0] if descendants else None,
            )
    return found


# Single counts, batched: archive blockers and tests.


async def count_children(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    rows = await session.execute(
        select(Company.parent_id, func.count())
        .where(Company.parent_id.in_(ids), Company.archived_at.is_(None))
        .group_by(Company.parent_id)
    )
    return {parent_id: count for parent_id, count in rows if parent_id is not None}


async def count_descendants(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    """One range join for the whole batch: each company's subtree is an index range."""
    top = aliased(Company)
    upper = func.substr(top.path, 1, func.length(top.path) - 1).concat(literal("0"))
    rows = await session.execute(
        select(top.id, func.count(Company.id))
        .join(Company, (Company.path > top.path) & (Company.path < upper))
        .where(top.id.in_(ids), Company.archived_at.is_(None))
        .group_by(top.id)
    )
    return {key: count for key, count in rows}


async def count_active_users(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    rows = await session.execute(
        select(User.company_id, func.count())
        .where(User.company_id.in_(ids), User.is_active)
        .group_by(User.company_id)
    )
    return {key: count for key, count in rows}


# --- mutations -----------------------------------------------------------------------


def _placeholder_path() -> str:
    # Unique, and "~" sorts after every real path, so no subtree range can include it.
    return "~" + uuid.uuid4().hex


async def create_company(
    session: AsyncSession,
    *,
    actor: Actor,
    parent_id: int,
    name: str,
    country_code: str,
    use_parent_credits: bool = False,
) -> Company:
    parent = await authorize_company(
        session, actor, Action.COMPANY_CREATE_CHILD, parent_id, field="parentId", lock=True
    )
    if use_parent_credits:
        # The new company is a child of `parent`, so its relation to the actor is below SELF.
        require(actor, Action.COMPANY_SET_USE_PARENT_CREDITS, Relation.DESCENDANT)
    if parent.archived_at is not None:
        raise ValidationError(
            "Cannot add a company under an archived company",
            field="parentId",
            code=ErrorCode.COMPANY_ARCHIVED,
        )
    company = Company(
        parent_id=parent.id,
        path=_placeholder_path(),  # the real path needs the id: set right after the insert
        depth=parent.depth + 1,
        name=clean_name(name),
        country_code=clean_country_code(country_code),
        use_parent_credits=use_parent_credits,
    )
    session.add(company)
    await session.flush()
    company.path = parent.path + path_segment(company.id)
    await session.flush()
    created = audit.created(
        name=company.name, countryCode=company.country_code, useParentCredits=use_parent_credits
    )
    audit.record(session, Act.COMPANY_CREATE, actor, company, created)
    return company


async def create_root_company(session: AsyncSession, *, name: str, country_code: str) -> Company:
    """The platform operator; only the bootstrap calls this, and only once."""
    company = Company(
        parent_id=None,
        path=_placeholder_path(),
        depth=0,
        name=clean_name(name),
        country_code=clean_country_code(country_code),
    )
    session.add(company)
    await session.flush()
    company.path = path_segment(company.id)
    await session.flush()
    return company


async def _editable(
    session: AsyncSession, actor: Actor, action: Action, company_id: int
) -> Company:
    company = await authorize_company(session, actor, action, company_id, lock=True)
    if company.archived_at is not None:
        raise ValidationError(
            "The company is archived", field="id", code=ErrorCode.COMPANY_ARCHIVED
        )
    return company


async def rename_company(
    session: AsyncSession, *, actor: Actor, company_id: int, name: str
) -> Company:
    company = await _editable(session, actor, Action.COMPANY_RENAME, company_id)
    name = clean_name(name)
    audit.record(session, Act.COMPANY_RENAME, actor, company, {"name": (company.name, name)})
    company.name = name
    await session.flush()
    return company


async def set_use_parent_credits(
    session: AsyncSession, *, actor: Actor, company_id: int, use_parent_credits: bool
) -> Company:
    company = await _editable(session, actor, Action.COMPANY_SET_USE_PARENT_CREDITS, company_id)
    change = {"useParentCredits": (company.use_parent_credits, use_parent_credits)}
    audit.record(session, Act.COMPANY_SET_USE_PARENT_CREDITS, actor, company, change)
    company.use_parent_credits = use_parent_credits
    await session.flush()
    return company


async def archive_blockers(session: AsyncSession, company: Company) -> list[ArchiveBlocker]:
    """Everything that keeps the company from being empty, in a stable order."""
    blockers: list[ArchiveBlocker] = []
    if (await count_active_users(session, [company.id])).get(company.id):
        blockers.append(ArchiveBlocker.ACTIVE_USERS)
    if (await count_children(session, [company.id])).get(company.id):
        blockers.append(ArchiveBlocker.CHILDREN)
    if (await count_registered(session, [company.id])).get(company.id):
        blockers.append(ArchiveBlocker.DEVICES)
    if (await balances_by_company(session, [company.id])).get(company.id):
        blockers.append(ArchiveBlocker.CREDITS)
    return blockers


async def archive_company(session: AsyncSession, *, actor: Actor, company_id: int) -> Company:
    company = await _editable(session, actor, Action.COMPANY_ARCHIVE, company_id)
    blockers = await archive_blockers(session, company)
    if blockers:
        raise ArchiveBlockedError(blockers)
    company.archived_at = now = utcnow()
    audit.record(session, Act.COMPANY_ARCHIVE, actor, company, {"archivedAt": (None, now)})
    await session.flush()
    return company
