"""The seeded ledger: every partner's events replayed in time order, so each entry's
`balance_after` is right and no balance ever goes negative; whoever runs short is topped up
by its parent (a move), and a partner by the platform desk (a grant)."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from bench.generate import (
    FINAL_GRANT,
    GRANT,
    REGISTRATION_WINDOW_DAYS,
    TOPUP,
    DevicePlan,
    Sizes,
    Tree,
    charge_times,
    columns,
    serial,
    superadmin_of,
)

LEDGER_COLUMNS = columns(
    "id company_id kind amount balance_after actor_id created_at reason reference device_id "
    "transfer_id "
)
CHARGE, MOVE = 0, 1


class Ledger:
    """Replays one partner's events in time order, topping up whoever runs short."""

    def __init__(self, tree: Tree, rng: random.Random, first_id: int) -> None:
        self.tree = tree
        self.rng = rng
        self.next_id = first_id
        self.balance: dict[int, int] = {}
        self.rows: list[tuple[Any, ...]] = []
        self.grants = 0

    def _post(
        self,
        company_id: int,
        kind: str,
        amount: int,
        actor: int | None,
        moment: datetime,
        reason: str,
        *,
        reference: str | None = None,
        device_id: int | None = None,
        transfer_id: str | None = None,
    ) -> None:
        balance = self.balance.get(company_id, 0) + amount
        assert balance >= 0
        self.balance[company_id] = balance
        self.rows.append(
            (
                self.next_id,
                company_id,
                kind,
                amount,
                balance,
                actor,
                moment,
                reason,
                reference,
                device_id,
                transfer_id,
            )
        )
        self.next_id += 1

    def grant(self, company_id: int, amount: int, moment: datetime) -> None:
        self.grants += 1
        reference = f"INV-{company_id}-{self.grants:06d}"
        self._post(company_id, "GRANT", amount, 1, moment, "Credit purchase", reference=reference)

    def move(self, source: int, target: int, amount: int, moment: datetime, reason: str) -> None:
        upper = source if self.tree.parent[target] == source else target
        transfer = f"{self.rng.getrandbits(128):032x}"
        actor = superadmin_of(upper)
        self._post(source, "MOVE_OUT", -amount, actor, moment, reason, transfer_id=transfer)
        self._post(target, "MOVE_IN", amount, actor, moment, reason, transfer_id=transfer)

    def ensure(self, company_id: int, needed: int, moment: datetime) -> None:
        short = needed - self.balance.get(company_id, 0)
        if short <= 0:
            return
        if self.tree.depth[company_id] == 1:
            self.grant(company_id, max(short, GRANT), moment)
            return
        parent = self.tree.parent[company_id]
        amount = max(short, TOPUP)
        self.ensure(parent, amount, moment)
        self.move(parent, company_id, amount, moment, "Top-up")


def ledger_rows(
    tree: Tree,
    devices: Sequence[DevicePlan],
    sizes: Sizes,
    now: datetime,
    rng: random.Random,
    balances: dict[int, int],
) -> Iterator[tuple[Any, ...]]:
    """Every partner's ledger in turn (ids grouped by partner, times interleaved); the final
    balances are left in `balances`."""
    stamp = now.timestamp()
    charges: dict[int, list[tuple[float, int, int, int]]] = {p: [] for p in tree.partners}
    total_charges = 0
    for index, device in enumerate(devices):
        times = charge_times(device, stamp)
        payer = tree.payer(device.company_id)
        bucket = charges[tree.partner[device.company_id]]
        for number, moment in enumerate(times):
            bucket.append((moment, CHARGE, payer, index + 1 if number else -(index + 1)))
        total_charges += len(times)
    busy = tree.partners[0]
    spare = max(0, sizes.ledger_entries - total_charges - 2 * sizes.busy_moves)
    # Top-ups and grants take about a tenth of what is left; voluntary moves fill the rest.
    moves_per_partner = int(spare * 0.38 / len(tree.partners))
    next_id = 1
    for partner in tree.partners:
        events: list[tuple[float, int, int, int]] = charges.pop(partner)
        members = tree.members[partner]
        start = stamp - REGISTRATION_WINDOW_DAYS * 86400.0
        for _ in range(moves_per_partner):
            child = rng.choice(members)
            events.append((rng.uniform(start, stamp - 120.0), MOVE, child, 0))
        if partner == busy:
            for _ in range(sizes.busy_moves):
                child = rng.choice(tree.customers[partner])
                events.append((rng.uniform(start, stamp - 120.0), MOVE, child, 0))
        events.sort()
        ledger = Ledger(tree, rng, next_id)
        for moment, kind, company_id, detail in events:
            when = datetime.fromtimestamp(moment, UTC)
            if kind == CHARGE:
                ledger.ensure(company_id, 1, when)
                device_id = abs(detail)
                reason = "Registration of " if detail < 0 else "Period of "
                ledger._post(
                    company_id,
                    "CHARGE",
                    -1,
                    superadmin_of(devices[device_id - 1].company_id) if detail < 0 else None,
                    when,
                    reason + serial(device_id),
                    device_id=device_id,
                )
                continue
            parent = tree.parent[company_id]
            if rng.random() < 0.6:  # down: an allocation from the parent
                amount = rng.randint(1, 100)
                ledger.ensure(parent, amount, when)
                ledger.move(parent, company_id, amount, when, "Monthly allocation")
            else:  # up: unused credits returned, when there are any
                amount = min(ledger.balance.get(company_id, 0), rng.randint(1, 50))
                if amount:
                    ledger.move(company_id, parent, amount, when, "Unused credits returned")
        ledger.ensure(partner, FINAL_GRANT, now)
        yield from ledger.rows
        next_id = ledger.next_id
        balances.update(ledger.balance)
