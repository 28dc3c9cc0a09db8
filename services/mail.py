"""Outgoing mail: `enqueue` writes to the outbox in the caller's transaction.

Nothing is sent here: the delivery worker (services/mail_delivery.py) sends what was
committed, so a rolled-back operation never sends mail and a committed one always does.
"""

from __future__ import annotations

import uuid
from email.utils import make_msgid

from sqlalchemy.ext.asyncio import AsyncSession

from models.mail import OutboxMessage
from services.mail_templates import Mail


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    to: str,
    subject: str,
    body: str,
    html: str | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        message_id=make_msgid(idstring=uuid.uuid4().hex, domain="fleet-admin.local"),
        kind=kind,
        to_address=to,
        subject=subject,
        body_text=body,
        body_html=html,
    )
    session.add(message)
    await session.flush()
    return message


async def send(session: AsyncSession, *, kind: str, to: str, mail: Mail) -> OutboxMessage:
    """A rendered mail (services/mail_templates.py), both its parts, into the outbox."""
    return await enqueue(
        session, kind=kind, to=to, subject=mail.subject, body=mail.text, html=mail.html
    )
