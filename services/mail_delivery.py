"""Delivering the outbox: claim due mail, send it through SMTP, record the outcome.

The delivery guarantee is *at least once, and in practice exactly once*:

- Nothing is lost. A mail exists only if the transaction that caused it committed
  (services/mail.py); from then on it stays in the outbox until it is marked sent. Each pass
  claims due messages by leasing them (`locked_until`) in a short transaction that commits
  before anything is sent, so a slow SMTP server never holds a database lock, and a worker that
  dies with a claim only delays those messages until the lease runs out.
- Nothing is sent twice, except after a crash in one window. A message marked sent is never
  claimed again, and a claimed message is sent only while its lease holds (the pass stops
  sending when the rest of the lease could not cover one more send), so two workers never send
  the same message. A crash (or a lost database connection) after the SMTP server accepted a
  message but before `sent_at` was committed leads to one resend once the lease expires. The
  resend carries the same Message-ID, so receiving servers and clients can de-duplicate it.

Failures (connection refused, timeouts, 4xx and 5xx replies alike) are retried with
exponential backoff and jitter, from about 30 seconds up to one hour between attempts. After
`MAX_ATTEMPTS` failures (about a day of retrying) a message is no longer claimed and an error is
logged; the row keeps `attempts` and `last_error` for an operator, who can send it again by
setting `attempts = 0, next_attempt_at = now()`.

Several workers, in one process or many, may run against the same database: PostgreSQL claims
with `SELECT ... FOR UPDATE SKIP LOCKED`; on SQLite the claim runs in a `BEGIN IMMEDIATE`
transaction (models.db.begin_write), which serializes claimers. Leases compare the clocks of
different servers, so their clocks should agree to well within `SEND_TIMEOUT`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Protocol

import aiosmtplib
from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from models.base import utcnow
from models.db import begin_write
from models.mail import OutboxMessage
from services import audit, metrics
from services.audit import AuditAction as Act

logger = logging.getLogger("fleet.mail")

BATCH = 20
LEASE = timedelta(minutes=10)
# The longest one message may take to send, connection included; a pass stops sending once
# the rest of its lease is shorter than this, so a message is never sent on an expired lease.
SEND_TIMEOUT = timedelta(seconds=60)
MAX_ATTEMPTS = 30
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
_MAX_ERROR_LENGTH = 2000


class Transport(Protocol):
    """Sends one outbox message; raises on any failure (the message is then retried)."""

    async def send(self, message: OutboxMessage) -> None: ...


class SmtpTransport:
    """Sends through an SMTP server with aiosmtplib, one connection per message."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        security: str = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in ("starttls", "tls", "none"):
            raise ValueError(f"unknown SMTP security {security!r}")
        self.host = host
        self.port = port
        self.sender = sender
        self.security = security
        self.username = username
        self.password = password
        self.timeout = timeout  # per SMTP operation; deliver_due bounds the whole send
        self.tls_context = tls_context

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpTransport:
        if settings.smtp_host is None:
            raise ValueError("SMTP_HOST is not set")
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.mail_from,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password,
        )

    def build(self, message: OutboxMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to_address
        mail["Subject"] = message.subject
        # When the mail was written, not when this attempt runs: a resend is the same mail.
        mail["Date"] = format_datetime(message.created_at)
        mail["Message-ID"] = message.message_id
        mail.set_content(message.body_text, charset="utf-8")
        if message.body_html is not None:
            # multipart/alternative: clients show the HTML, or the text where they cannot.
            mail.add_alternative(message.body_html, subtype="html", charset="utf-8")
        return mail

    async def send(self, message: OutboxMessage) -> None:
        await aiosmtplib.send(
            self.build(message),
            sender=parseaddr(self.sender)[1],
            recipients=[message.to_address],
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.security == "tls",
            # Required, never opportunistic: a server without STARTTLS is a failure, not a
            # reason to send the mail (and the password) in clear.
            start_tls=self.security == "starttls",
            timeout=self.timeout,
            tls_context=self.tls_context,
        )


class LogTransport:
    """Development: writes the whole mail to the log (logger "fleet.mail", INFO)."""

    async def send(self, message: OutboxMessage) -> None:
        logger.info(
            "Mail not sent (SMTP_HOST is unset), logged instead:\n"
            "To: %s\nSubject: %s\nMessage-ID: %s\n\n%s",
            message.to_address,
            message.subject,
            message.message_id,
            message.body_text,
        )


def transport_for(settings: Settings) -> Transport | None:
    """SMTP when SMTP_HOST is set; the log in development and tests; None in production
    without SMTP_HOST, where mail must wait in the outbox rather than be logged as sent."""
    if settings.smtp_host is not None:
        return SmtpTransport.from_settings(settings)
    if settings.is_production:
        return None
    return LogTransport()


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: a ceiling doubling from BACKOFF_BASE up to
    BACKOFF_CAP, and a random point between half and all of it, so that messages that failed
    together (an SMTP outage) do not all come back at once."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (1 << min(max(attempts - 1, 0), 20)))
    return ceiling / 2 + ceiling / 2 * random.random()  # noqa: S311 - jitter, not a secret


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    lease: timedelta,
    max_attempts: int = MAX_ATTEMPTS,
) -> list[OutboxMessage]:
    """Lease up to `limit` unsent messages that are due and not leased to a live worker.

    The caller runs this in a write transaction (begin_write) and commits it before sending.
    """
    rows = await session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until <= now),
            OutboxMessage.attempts < max_attempts,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        # Rows another claimer holds are skipped, not waited for (PostgreSQL; SQLite has no
        # row locks and needs none: its write transactions run one at a time).
        .with_for_update(skip_locked=True)
    )
    messages = list(rows)
    for message in messages:
        message.locked_until = now + lease
    await session.flush()
    return messages


@dataclass(frozen=True)
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    failed: int = 0

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            self.claimed + other.claimed, self.sent + other.sent, self.failed + other.failed
        )


@asynccontextmanager
async def _writing(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session, session.begin():
        await begin_write(session)
        yield session


def _describe(exc: BaseException) -> str:
    text = str(exc) or repr(exc)
    return f"{type(exc).__name__}: {text}"[:_MAX_ERROR_LENGTH]


async def deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    transport: Transport,
    *,
    now: datetime | None = None,
    batch: int = BATCH,
    lease: timedelta = LEASE,
    send_timeout: timedelta = SEND_TIMEOUT,
    max_attempts: int = MAX_ATTEMPTS,
) -> DeliveryReport:
    """One pass: claim up to `batch` due messages, send each, record each outcome.

    `now` (default: the clock) decides what is due and dates the outcome; tests move it.
    Each outcome is its own short transaction. Database errors propagate (the claimed
    messages wait for their lease to expire); transport errors are recorded as failures.
    """
    if lease <= send_timeout:
        raise ValueError("the lease must be longer than the send timeout")

    def clock() -> datetime:
        return now if now is not None else utcnow()

    loop = asyncio.get_running_loop()
    started = loop.time()
    async with _writing(sessionmaker) as session:
        claimed = await claim_due(
            session, now=clock(), limit=batch, lease=lease, max_attempts=max_attempts
        )
    sent = failed = 0
    pending = list(claimed)
    try:
        while pending:
            if loop.time() - started + send_timeout.total_seconds() > lease.total_seconds():
                logger.warning("Mail pass ran long: the rest of the batch waits for its lease")
                break
            message = pending[0]
            try:
                async with asyncio.timeout(send_timeout.total_seconds()):
                    await transport.send(message)
            except Exception as exc:
                failed += 1
                await _record_failure(sessionmaker, message, exc, clock(), max_attempts)
                pending.pop(0)
                continue
            sent += 1
            async with _writing(sessionmaker) as session:
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message.id, OutboxMessage.sent_at.is_(None))
                    .values(sent_at=clock(), locked_until=None)
                )
            pending.pop(0)
            logger.info("Mail %s (%s) sent to %s", message.id, message.kind, message.to_address)
    except asyncio.CancelledError:
        # A pass cancelled by a shutdown hands back what it has not sent, so another process
        # takes it now rather than when the lease runs out.
        if pending:
            await asyncio.shield(_release(sessionmaker, pending))
        raise
    return DeliveryReport(claimed=len(claimed), sent=sent, failed=failed)


async def _release(
    sessionmaker: async_sessionmaker[AsyncSession], messages: list[OutboxMessage]
) -> None:
    async with _writing(sessionmaker) as session:
        for message in messages:
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message.id,
                    OutboxMessage.sent_at.is_(None),
                    OutboxMessage.locked_until == message.locked_until,
                )
                .values(locked_until=None)
            )


async def _record_failure(
    sessionmaker: async_sessionmaker[AsyncSession],
    message: OutboxMessage,
    exc: Exception,
    now: datetime,
    max_attempts: int,
) -> None:
    attempts = message.attempts + 1
    retry_at = now + backoff(attempts)
    async with _writing(sessionmaker) as session:
        result = await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message.id,
                OutboxMessage.sent_at.is_(None),
                # Only while this pass still holds the lease, so as not to release another's.
                OutboxMessage.locked_until == message.locked_until,
            )
            .values(
                attempts=OutboxMessage.attempts + 1,
                last_error=_describe(exc),
                next_attempt_at=retry_at,
                locked_until=None,
            )
        )
        if attempts >= max_attempts and int(getattr(result, "rowcount", 0) or 0):
            await _give_up(session, message, attempts, now)
    if attempts >= max_attempts:
        logger.error(
            "Mail %s (%s) to %s failed %d times, giving up (last error: %s); set attempts = 0 "
            "on that outbox_messages row to send it again",
            message.id,
            message.kind,
            message.to_address,
            attempts,
            _describe(exc),
        )
    else:
        logger.warning(
            "Mail %s (%s) to %s failed (attempt %d, next at %s): %s",
            message.id,
            message.kind,
            message.to_address,
            attempts,
            retry_at.isoformat(timespec="seconds"),
            _describe(exc),
        )


async def _give_up(
    session: AsyncSession, message: OutboxMessage, attempts: int, now: datetime
) -> None:
    """A mail no longer tried is recorded for the platform's operators."""
    given_up = audit.created(kind=message.kind, to=message.to_address, attempts=attempts)
    target = ("OutboxMessage", message.id)
    await audit.record_on_platform(session, Act.MAIL_GIVE_UP, audit.SYSTEM, target, given_up)


async def deliver_all_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    transport: Transport,
    *,
    batch: int = BATCH,
) -> DeliveryReport:
    """Pass after pass until one claims less than a full batch: everything due now, once."""
    total = DeliveryReport()
    while True:
        report = await deliver_due(sessionmaker, transport, batch=batch)
        total += report
        if report.claimed < batch:
            return total


@dataclass(frozen=True)
class Backlog:
    waiting: int  # unsent, still to be tried (now or after a backoff)
    given_up: int  # unsent after MAX_ATTEMPTS failures, waiting for an operator


async def count_unsent(session: AsyncSession, *, max_attempts: int = MAX_ATTEMPTS) -> Backlog:
    given_up = OutboxMessage.attempts >= max_attempts
    row = (
        await session.execute(
            select(func.count().filter(~given_up), func.count().filter(given_up)).where(
                OutboxMessage.sent_at.is_(None)
            )
        )
    ).one()
    return Backlog(waiting=row[0], given_up=row[1])


class MailWorker:
    """Delivers the outbox in the background of a server process, every `poll_seconds`.

    Started and stopped by the server lifespan. A failed pass (database down, a bug) is
    logged and tried again at the next poll; a full batch is followed at once by the next.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        transport: Transport,
        *,
        poll_seconds: float = 5.0,
        batch: int = BATCH,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._transport = transport
        self._poll_seconds = poll_seconds
        self._batch = batch
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("the mail worker is already started")
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="mail-worker")

    async def stop(self, *, grace_seconds: float = 10.0) -> None:
        """Let the current pass finish (up to `grace_seconds`), then cancel it. A cancelled
        pass leaves its claimed messages to be sent once their lease expires."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        done, _ = await asyncio.wait({task}, timeout=grace_seconds)
        if not done:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _run(self) -> None:
        logger.info(
            "Mail worker started (%s, every %ss)",
            type(self._transport).__name__,
            self._poll_seconds,
        )
        while not self._stopping.is_set():
            busy = False
            try:
                report = await deliver_due(self._sessionmaker, self._transport, batch=self._batch)
                busy = report.claimed == self._batch
                metrics.record_job("mail_delivery", ok=True)
            except Exception:
                metrics.record_job("mail_delivery", ok=False)
                logger.exception(
                    "Mail delivery pass failed; trying again in %ss", self._poll_seconds
                )
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._poll_seconds)
        logger.info("Mail worker stopped")
