"""Outgoing mail: `enqueue` writes to the outbox in the caller's transaction.

Nothing is sent here: the delivery worker (services/mail_delivery.py) sends what was
committed, so a rolled-back operation never sends mail and a committed one always does.
"""

from __future__ import annotations

import uuid
from email.utils import make_msgid

from sqlalchemy.ext.asyncio import AsyncSession

from models.mail import OutboxMessage


async def enqueue(
    session: AsyncSession, *, kind: str, to: str, subject: str, body: str
) -> OutboxMessage:
    message = OutboxMessage(
        message_id=make_msgid(idstring=uuid.uuid4().hex, domain="fleet-admin.local"),
        kind=kind,
        to_address=to,
        subject=subject,
        body_text=body,
    )
    session.add(message)
    await session.flush()
    return message
