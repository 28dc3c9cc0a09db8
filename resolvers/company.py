"""Company resolvers: GraphQL arguments in, service calls, models and pages out."""

from __future__ import annotations

from models.company import Company, CompanyCounts, CompanyRead
from resolvers.paging import Paging, page_request
from resolvers.session import reading, transaction
from schema.context import Info
from schema.ids import decode_id
from schema.inputs import (
    CompanyArchiveInput,
    CompanyCreateInput,
    CompanyRenameInput,
    CompanySetUseParentCreditsInput,
)
from schema.loaders import AncestorsKey
from schema.selection import selected_below
from services import company as service
from services.company import CompanyPage
from services.errors import BadInputError, NotFoundError
from services.pagination import DEFAULT_TREE_PAGE_SIZE


def counts_wanted(info: Info) -> service.WithCounts | None:
    """Whether this connection's nodes ask for `counts`: then the page's query fetches them
    along (one statement), and each row carries its counts (`CompanyRow.counts`)."""
    wanted = selected_below(info.selected_fields, info.field_name, "edges", "node", "counts")
    if not wanted:
        return None
    return service.WithCounts.ALL if "descendants" in wanted else service.WithCounts.BASIC


async def counts(info: Info, company: CompanyRead) -> CompanyCounts:
    """The counts of a company that did not come with them: batched with its siblings."""
    wanted = selected_below(info.selected_fields, info.field_name) or set()
    key = service.CountsKey(company.id, descendants="descendants" in wanted)
    found = await info.context.loaders.counts.load(key)
    assert found is not None  # the company was just loaded: it exists
    return found


async def descendant_count(info: Info, company_id: int) -> int:
    """For counts prefetched without descendants (another selection of the same row)."""
    found = await info.context.loaders.counts.load(service.CountsKey(company_id, True))
    assert found is not None
    assert found.descendants is not None
    return found.descendants


async def company(info: Info, id: str) -> Company | None:
    actor = info.context.require_actor()
    try:
        company_id = decode_id(id, "Company")
    except NotFoundError:
        return None
    async with reading(info) as session:
        return await service.get_company(session, actor=actor, company_id=company_id)


async def company_tree(
    info: Info,
    *,
    root_id: str | None,
    max_depth: int | None,
    paging: Paging,
    include_archived: bool,
) -> CompanyPage:
    actor = info.context.require_actor()
    request = page_request(
        info,
        paging,
        max_size=info.context.settings.max_tree_page_size,
        default=DEFAULT_TREE_PAGE_SIZE,
    )
    root = decode_id(root_id, "Company", field="rootId") if root_id is not None else None
    _check_depth(max_depth)
    async with reading(info) as session:
        return await service.company_tree(
            session,
            actor=actor,
            request=request,
            root_id=root,
            max_depth=max_depth,
            filters=service.CompanyFilter(include_archived=include_archived),
            counts=counts_wanted(info),
        )


async def search(info: Info, *, term: str, paging: Paging, include_archived: bool) -> CompanyPage:
    actor = info.context.require_actor()
    request = page_request(info, paging)
    async with reading(info) as session:
        return await service.search_companies(
            session,
            actor=actor,
            term=term,
            request=request,
            filters=service.CompanyFilter(include_archived=include_archived),
            counts=counts_wanted(info),
        )


async def children(
    info: Info, root: CompanyRead, *, paging: Paging, include_archived: bool
) -> CompanyPage:
    # Batched: the children of every row of a list are one statement.
    key = service.ChildrenKey(
        root.id,
        page_request(info, paging, owner=root.id),
        service.CompanyFilter(include_archived=include_archived),
        counts_wanted(info),
    )
    page = await info.context.loaders.children_page.load(key)
    assert page is not None  # every key of a batch gets its page, empty or not
    return page


async def descendants(
    info: Info,
    root: CompanyRead,
    *,
    max_depth: int | None,
    paging: Paging,
    include_archived: bool,
) -> CompanyPage:
    request = page_request(info, paging, owner=root.id)
    _check_depth(max_depth)
    async with reading(info) as session:
        return await service.company_descendants(
            session,
            company=root,
            request=request,
            max_depth=max_depth,
            filters=service.CompanyFilter(include_archived=include_archived),
            counts=counts_wanted(info),
        )


async def ancestors(info: Info, root: CompanyRead) -> list[Company]:
    actor = info.context.require_actor()
    # Batched: a list of companies asking for their breadcrumbs costs one query.
    return await info.context.loaders.ancestors_by_path.load(
        AncestorsKey(within=actor.company_path, path=root.path)
    )


async def parent(info: Info, root: CompanyRead) -> Company | None:
    actor = info.context.require_actor()
    # Above the actor's own company is outside its scope.
    if root.parent_id is None or root.id == actor.company_id:
        return None
    return await info.context.loaders.company_by_id.load(root.parent_id)


def _check_depth(max_depth: int | None) -> None:
    if max_depth is not None and max_depth < 0:
        raise BadInputError("`maxDepth` must not be negative")


async def create(info: Info, data: CompanyCreateInput) -> Company:
    actor = info.context.require_actor()
    parent_id = decode_id(data.parent_id, "Company", field="parentId")
    async with transaction(info) as session:
        return await service.create_company(
            session,
            actor=actor,
            parent_id=parent_id,
            name=data.name,
            country_code=data.country_code,
            use_parent_credits=data.use_parent_credits,
        )


async def rename(info: Info, data: CompanyRenameInput) -> Company:
    actor = info.context.require_actor()
    company_id = decode_id(data.id, "Company")
    async with transaction(info) as session:
        return await service.rename_company(
            session, actor=actor, company_id=company_id, name=data.name
        )


async def archive(info: Info, data: CompanyArchiveInput) -> Company:
    actor = info.context.require_actor()
    company_id = decode_id(data.id, "Company")
    async with transaction(info) as session:
        return await service.archive_company(session, actor=actor, company_id=company_id)


async def set_use_parent_credits(info: Info, data: CompanySetUseParentCreditsInput) -> Company:
    actor = info.context.require_actor()
    company_id = decode_id(data.id, "Company")
    async with transaction(info) as session:
        return await service.set_use_parent_credits(
            session,
            actor=actor,
            company_id=company_id,
            use_parent_credits=data.use_parent_credits,
        )
