"""Ledger entries and credit payloads. An entry's runtime object is a `models.LedgerEntry`
(reached one at a time, or in a payload) or a `models.credit.EntryRow` (a page's row)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated, Any

import strawberry

from models import credit as models
from models.base import NOT_FETCHED
from models.credit import EntryRead, EntryRow
from models.user import User as UserModel
from models.user import UserRow
from schema.context import Info
from schema.enums import EntryKind
from schema.errors import NotFoundError, ValidationError
from schema.loaders import ScopedKey
from schema.types.common import Node
from schema.types.company import Company
from schema.types.device import Device
from schema.types.user import User
from services.credit import Transfer


@strawberry.type(description="An immutable ledger entry; a move is two sharing `transferId`.")
class LedgerEntry(Node):
    kind: EntryKind = strawberry.field(description="What moved the credits.")  # type: ignore[valid-type]
    amount: int = strawberry.field(description="Signed: positive in, negative out.")
    balance_after: int = strawberry.field(
        description="The company's balance right after this entry."
    )
    created_at: datetime = strawberry.field(description="When it was written.")
    reason: str = strawberry.field(
        description="Why, as given by whoever granted or moved (empty when none was given)."
    )
    reference: str | None = strawberry.field(
        description="A grant's external reference (e.g. an invoice number); else null."
    )
    transfer_id: strawberry.ID | None = strawberry.field(
        description=(
            "A move's id, the same on its MOVE_OUT and MOVE_IN entries (opaque; not a node); "
            "else null."
        )
    )

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, (cls, models.LedgerEntry, EntryRow))

    @strawberry.field(description="The company whose ledger it is on.")
    async def company(self, info: Info) -> Company:
        found = await info.context.loaders.company_by_id.load(_entry(self).company_id)
        assert found is not None
        return found  # type: ignore[return-value]

    # Sync, handing back the loader's future: no coroutine per row of a page.
    @strawberry.field(
        graphql_type=User | None,
        description="Who did it; null for the charging job and for staff above your tree.",
    )
    def actor(self, info: Info) -> Awaitable[UserModel | None] | UserRow | None:
        entry = _entry(self)
        actor_id = entry.actor_id
        if actor_id is None:
            return None
        if isinstance(entry, EntryRow) and entry.actor is not NOT_FETCHED:
            return entry.actor  # fetched with the page, scope decided in its query
        viewer = info.context.require_actor()
        # Null, not an error, for staff above the viewer's tree: decided in the query.
        return info.context.loaders.user_within.load(ScopedKey(viewer.company_path, actor_id))

    @strawberry.field(description="The device a CHARGE paid for.")
    async def device(self, info: Info) -> Device | None:
        device_id = _entry(self).device_id
        if device_id is None:
            return None
        return await info.context.loaders.device_by_id.load(device_id)  # type: ignore[return-value]


def _entry(obj: object) -> EntryRead:
    assert isinstance(obj, (models.LedgerEntry, EntryRow))
    return obj


@strawberry.type(description="The grant, as its ledger entry.")
class CreditGrantPayload:
    entry: LedgerEntry = strawberry.field(
        description="The GRANT entry on the receiving company's ledger."
    )


@strawberry.type(description="A move: one entry out, one in, sharing `transferId`.")
class CreditMovePayload:
    transfer_id: strawberry.ID = strawberry.field(
        description="The move's id, on both entries (opaque; not a node)."
    )
    out_entry: LedgerEntry = strawberry.field(
        description="The MOVE_OUT entry on the sender's ledger."
    )
    in_entry: LedgerEntry = strawberry.field(
        description="The MOVE_IN entry on the receiver's ledger."
    )

    @classmethod
    def of(cls, transfer: Transfer) -> CreditMovePayload:
        return cls(
            transfer_id=strawberry.ID(transfer.transfer_id),
            out_entry=transfer.out_entry,  # type: ignore[arg-type]
            in_entry=transfer.in_entry,  # type: ignore[arg-type]
        )


CreditGrantResult = Annotated[
    CreditGrantPayload | ValidationError | NotFoundError,
    strawberry.union("CreditGrantResult", description="The grant, or why it was refused."),
]
CreditMoveResult = Annotated[
    CreditMovePayload | ValidationError | NotFoundError,
    strawberry.union(
        "CreditMoveResult", description="The move, or why it was refused (nothing moved)."
    ),
]
