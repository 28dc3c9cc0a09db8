"""Renewal reminders: one month before expiry, one week before, and on the day.

Each is sent exactly once per account and expiry date: the reminder row and its mails are
written in one transaction, and the row's unique key (account, expiry, kind) lets only one
of several schedulers (or a restarted one) write it. A renewal moves the expiry, so the
reminders of the old date are simply never due again.

A reminder is due from its moment until the next one's (the last until the end of the
expiry day): a scheduler that was down through a whole window skips that reminder rather
than send "one month left" with three days left.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models.account import Account, AccountReminder, AccountState, ReminderKind
from models.company import Company
from services import audit, mail
from services import mail_templates as templates
from services.account import add_months
from services.audit import AuditAction as Act
from services.recipients import superadmins

DAY = timedelta(days=1)


def _day_start(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def windows(expires_at: datetime) -> list[tuple[ReminderKind, datetime, datetime]]:
    month, week, day = add_months(expires_at, -1), expires_at - 7 * DAY, _day_start(expires_at)
    return [
        (ReminderKind.MONTH_BEFORE, month, week),
        (ReminderKind.WEEK_BEFORE, week, day),
        (ReminderKind.ON_THE_DAY, day, day + DAY),
    ]


def due_reminder(expires_at: datetime, now: datetime) -> ReminderKind | None:
    for kind, start, end in windows(expires_at):
        if start <= now < end:
            return kind
    return None


async def send_due_reminders(session: AsyncSession, *, now: datetime) -> int:
    """Write every reminder due at `now` that was not written yet; returns how many."""
    rows = await session.execute(
        select(Account, Company)
        .join(Company, Company.id == Account.company_id)
        .where(
            Account.state == AccountState.ACTIVE,
            Account.expires_at > _day_start(now) - DAY,
            # add_months clamps month ends, so it cannot be inverted: take a bound wide
            # enough for any month and let due_reminder decide.
            Account.expires_at <= now + 32 * DAY,
        )
        .order_by(Account.id)
    )
    sent = 0
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for account, company in rows:
        assert account.expires_at is not None  # active accounts have an expiry
        kind = due_reminder(account.expires_at, now)
        if kind is None:
            continue
        written = await session.scalar(
            insert(AccountReminder)
            .values(account_id=account.id, expires_at=account.expires_at, kind=kind, sent_at=now)
            .on_conflict_do_nothing(index_elements=["account_id", "expires_at", "kind"])
            .returning(AccountReminder.id)
        )
        if written is None:
            continue  # another scheduler, or this one before a restart, sent it
        reminded = audit.created(reminder=kind, expiresAt=account.expires_at)
        audit.record(session, Act.REMINDER_SEND, audit.SYSTEM, account, reminded, now=now)
        for recipient in await superadmins(session, company):
            written = templates.renewal_reminder(
                recipient.locale,
                kind=kind,
                account=account.name,
                company=company.name,
                expires_at=account.expires_at,
            )
            await mail.send(session, kind="renewal_reminder", to=recipient.email, mail=written)
        sent += 1
    return sent
