"""The mails of the application workflow: filed (to the platform desk) and decided (to the
applicant company's SUPERADMINs), each in its recipient's language.

They say what changed, or what was asked for, as the account's terms before -> after, with
the account's, the company's and the licenses' names (the licenses in one query).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.account import Account, Application, ApplicationKind, ApplicationStatus, License
from models.base import utcnow
from models.company import Company
from services import mail
from services import mail_templates as templates
from services.account import add_months, snapshot
from services.mail_templates import Change
from services.recipients import platform_desk, superadmins

_AMOUNTS = ("datapoints", "meters", "pods", "realtimeMeters", "rtcLines", "smsCredits")

Terms = dict[str, Any]


def proposed(
    application: Application, before: Mapping[int, Terms], now: datetime
) -> dict[int, Terms]:
    """Each account's terms as the application would leave them (for a mail about an
    application not applied: filed, or rejected)."""
    change = application.change
    after = {key: dict(terms) for key, terms in before.items()}
    subject = after[application.account_id]
    if application.kind is ApplicationKind.EXTENSION:
        for amount in _AMOUNTS:
            subject[amount] += change[amount]
    elif application.kind is ApplicationKind.LICENSE_CHANGE:
        subject["licenseId"] = change["licenseId"]
    elif application.kind is ApplicationKind.RENEWAL and subject["expiresAt"]:
        expires = datetime.fromisoformat(subject["expiresAt"])
        subject["expiresAt"] = add_months(max(now, expires), change["months"]).isoformat()
    elif application.kind is ApplicationKind.DATAPOINT_TRANSFER:
        subject["datapoints"] -= change["datapoints"]
        after[change["targetAccountId"]]["datapoints"] += change["datapoints"]
    return after


def _rows(
    before: Terms | None, after: Terms, licenses: Mapping[int, str], account: str | None
) -> list[Change]:
    rows: list[Change] = []
    for term in templates.TERMS:
        key = "licenseId" if term == "license" else term
        old, new = (None if before is None else before.get(key)), after.get(key)
        if term == "license":
            old, new = licenses.get(old) if old else None, licenses.get(new) if new else None
        if before is None:
            if new not in (None, 0):  # a new account's terms: what it has
                rows.append(Change(term, None, new, account))
        elif old != new:
            rows.append(Change(term, old, new, account))
    return rows


async def changes(
    session: AsyncSession,
    application: Application,
    accounts: Mapping[int, Account],
    before: Mapping[int, Terms | None],
    after: Mapping[int, Terms],
) -> list[Change]:
    """The subject account's rows, then the transfer target's, each named where two."""
    ids = {
        terms.get("licenseId")
        for terms in [*after.values(), *(t for t in before.values() if t is not None)]
    }
    found = await session.execute(
        select(License.id, License.name).where(License.id.in_([i for i in ids if i]))
    )
    licenses = {row.id: row.name for row in found}
    target = application.target_account_id
    order = [application.account_id] if target is None else [application.account_id, target]
    two = target is not None
    rows: list[Change] = []
    for account_id in order:
        label = accounts[account_id].name if two else None
        rows += _rows(before.get(account_id), after[account_id], licenses, label)
    return rows


async def _company(session: AsyncSession, account: Account) -> Company:
    company = await session.get(Company, account.company_id)  # in the identity map by now
    assert company is not None  # accounts.company_id is a non-null foreign key
    return company


async def mail_filed(
    session: AsyncSession, application: Application, accounts: Sequence[Account]
) -> None:
    """To the platform desk: what was asked for, for which account of which company."""
    by_id = {account.id: account for account in accounts}
    account = by_id[application.account_id]
    new = application.kind is ApplicationKind.NEW_ACCOUNT
    before: dict[int, Terms | None] = {key: snapshot(held) for key, held in by_id.items()}
    after = (
        {account.id: snapshot(account)}
        if new
        else proposed(application, {k: v for k, v in before.items() if v is not None}, utcnow())
    )
    if new:
        before = {account.id: None}
    rows = await changes(session, application, by_id, before, after)
    company = await _company(session, account)
    for recipient in await platform_desk(session):
        written = templates.application_filed(
            recipient.locale,
            kind=application.kind,
            account=account.name,
            company=company.name,
            changes=rows,
        )
        await mail.send(session, kind="application_filed", to=recipient.email, mail=written)


async def mail_decision(
    session: AsyncSession,
    application: Application,
    accounts: Iterable[Account],
    before: Mapping[int, Terms],
) -> None:
    """To the applicant company's SUPERADMINs: approved with what changed, or rejected with
    the reason and what was asked for. `before`: each account's terms before the decision."""
    by_id = {account.id: account for account in accounts}
    account = by_id[application.account_id]
    approved = application.status is ApplicationStatus.APPROVED
    new = application.kind is ApplicationKind.NEW_ACCOUNT
    if approved:
        after = {key: snapshot(held) for key, held in by_id.items()}
    elif new:
        after = {key: dict(terms) for key, terms in before.items()}
    else:
        after = proposed(application, before, utcnow())
    shown_before: dict[int, Terms | None] = {account.id: None} if new else dict(before)
    rows = await changes(session, application, by_id, shown_before, after)
    company = await _company(session, account)
    for recipient in await superadmins(session, company):
        written = templates.application_decision(
            recipient.locale,
            kind=application.kind,
            approved=approved,
            account=account.name,
            company=company.name,
            changes=rows,
            reason=application.reason,
            runs_until=account.expires_at if approved else None,
        )
        await mail.send(session, kind="application_decision", to=recipient.email, mail=written)
