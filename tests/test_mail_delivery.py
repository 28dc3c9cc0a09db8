"""Mail delivery: outbox -> SMTP (a real aiosmtpd server on loopback), never lost, never doubled."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import shutil
import ssl
import subprocess
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import cli
from config import ConfigError, Settings
from models.base import utcnow
from models.db import begin_write, create_engine, create_sessionmaker
from models.mail import OutboxMessage
from server import create_app
from services.mail import enqueue
from services.mail_delivery import (
    BACKOFF_CAP,
    LEASE,
    DeliveryReport,
    LogTransport,
    MailWorker,
    SmtpTransport,
    backoff,
    claim_due,
    deliver_all_due,
    deliver_due,
    transport_for,
)
from tests.live import require
from tests.smtp import HOST, SmtpServer, body, free_port, links

SENDER = "Fleet Admin <no-reply@example.com>"
Maker = async_sessionmaker[AsyncSession]


def smtp(server: SmtpServer | int, **options: Any) -> SmtpTransport:
    port = server if isinstance(server, int) else server.port
    options.setdefault("security", "none")
    return SmtpTransport(host=HOST, port=port, sender=SENDER, **options)


async def queue(
    sessionmaker: Maker,
    *,
    to: str = "ana@example.com",
    subject: str = "Hello",
    body: str = "Hi Ana",
) -> OutboxMessage:
    """A mail written and committed the way a service's caller does it."""
    async with sessionmaker() as session, session.begin():
        await begin_write(session)
        return await enqueue(session, kind="test", to=to, subject=subject, body=body)


async def stored(sessionmaker: Maker, message: OutboxMessage) -> OutboxMessage:
    async with sessionmaker() as session:
        row = await session.get(OutboxMessage, message.id)
        assert row is not None
        return row


def message_ids(server: SmtpServer) -> list[str]:
    return [str(mail["Message-ID"]) for mail in server.messages]


# --- delivery -------------------------------------------------------------------------------


async def test_a_committed_mail_reaches_the_smtp_server_with_its_headers_and_body(
    sessionmaker: Maker, smtp_server: SmtpServer
) -> None:
    # Given a committed mail with non-ASCII text and a link
    url = "https://app.example.com/invitations/accept?token=Zm9v-YmFy_42"
    text = f"Hola José,\n\nÚnete a «Planta Norte»: {url}\n\nUn saludo"
    queued = await queue(sessionmaker, to="jose@example.com", subject="Invitación", body=text)
    now = utcnow()
    # When the outbox is delivered
    report = await deliver_due(sessionmaker, smtp(smtp_server), now=now)
    # Then the SMTP server received exactly that mail
    assert report == DeliveryReport(claimed=1, sent=1, failed=0)
    [mail] = smtp_server.messages
    assert mail["From"] == SENDER
    assert mail["To"] == "jose@example.com"
    assert mail["Subject"] == "Invitación"
    assert mail["Message-ID"] == queued.message_id
    assert parsedate_to_datetime(mail["Date"]) == queued.created_at.replace(microsecond=0)
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content_charset() == "utf-8"
    assert body(mail).rstrip("\n") == text
    assert links(mail) == [url]
    [envelope] = smtp_server.envelopes
    assert (envelope.mail_from, envelope.rcpt_tos) == ("no-reply@example.com", ["jose@example.com"])
    # And the row is marked sent
    row = await stored(sessionmaker, queued)
    assert (row.sent_at, row.attempts, row.locked_until, row.last_error) == (now, 0, None, None)


async def test_the_mail_of_a_rolled_back_transaction_is_never_sent(
    sessionmaker: Maker, smtp_server: SmtpServer
) -> None:
    # Given an operation that wrote a mail and then failed
    async with sessionmaker() as session:
        await begin_write(session)
        await enqueue(session, kind="test", to="ana@example.com", subject="No", body="never")
        await session.rollback()
    # When the outbox is delivered, even much later
    report = await deliver_due(sessionmaker, smtp(smtp_server), now=utcnow() + timedelta(days=30))
    # Then there was nothing to send
    assert report == DeliveryReport()
    assert smtp_server.messages == []
    async with sessionmaker() as session:
        assert (await session.scalars(select(OutboxMessage))).all() == []


async def test_while_smtp_is_down_the_failure_is_recorded_and_the_mail_goes_out_once_it_is_up(
    sessionmaker: Maker,
) -> None:
    # Given a mail, and no SMTP server listening on its port
    queued = await queue(sessionmaker)
    port = free_port()
    now = utcnow()
    # When a pass tries to send it
    report = await deliver_due(sessionmaker, smtp(port), now=now)
    # Then the failure is recorded with the time of the next attempt
    assert report == DeliveryReport(claimed=1, sent=0, failed=1)
    row = await stored(sessionmaker, queued)
    assert row.attempts == 1
    assert row.sent_at is None
    assert row.locked_until is None
    assert "SMTPConnect" in (row.last_error or "")
    assert now + backoff(1) / 2 <= row.next_attempt_at <= now + backoff(1) * 2
    # And it is not tried again before then
    assert await deliver_due(sessionmaker, smtp(port), now=now) == DeliveryReport()
    # When the server is up and the mail is due again
    server = SmtpServer(port=port).start()
    try:
        later = row.next_attempt_at
        report = await deliver_due(sessionmaker, smtp(port), now=later)
        again = await deliver_due(sessionmaker, smtp(port), now=later + timedelta(days=1))
    finally:
        server.stop()
    # Then it is delivered, once
    assert report == DeliveryReport(claimed=1, sent=1, failed=0)
    assert again == DeliveryReport()
    assert message_ids(server) == [queued.message_id]
    row = await stored(sessionmaker, queued)
    assert (row.sent_at, row.attempts) == (later, 1)


async def test_a_permanent_rejection_is_retried_and_given_up_after_max_attempts(
    sessionmaker: Maker, smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a recipient the SMTP server rejects permanently
    smtp_server.reject.add("gone@example.com")
    queued = await queue(sessionmaker, to="gone@example.com")
    now = utcnow()
    # When it has been tried as often as allowed (two here)
    first = await deliver_due(sessionmaker, smtp(smtp_server), now=now, max_attempts=2)
    now += timedelta(hours=2)
    second = await deliver_due(sessionmaker, smtp(smtp_server), now=now, max_attempts=2)
    # Then both attempts failed with the server's answer, and an error was logged
    assert first.failed == second.failed == 1
    row = await stored(sessionmaker, queued)
    assert row.attempts == 2
    assert row.sent_at is None
    assert "550" in (row.last_error or "")
    assert "No such user" in (row.last_error or "")
    assert any(
        record.levelno == logging.ERROR and "giving up" in record.getMessage()
        for record in caplog.records
    )
    # And it is no longer claimed, but kept for an operator
    later = now + timedelta(days=30)
    assert await deliver_due(sessionmaker, smtp(smtp_server), now=later, max_attempts=2) == (
        DeliveryReport()
    )
    kept = await stored(sessionmaker, queued)
    assert (kept.attempts, kept.last_error, kept.sent_at) == (2, row.last_error, None)


# --- crashes, restarts and concurrent workers ----------------------------------------------


async def test_a_claim_left_by_a_crashed_worker_is_delivered_once_after_its_lease(
    sessionmaker: Maker, smtp_server: SmtpServer
) -> None:
    # Given a worker that claimed a mail and died before sending it
    queued = await queue(sessionmaker)
    now = utcnow()
    async with sessionmaker() as session, session.begin():
        await begin_write(session)
        [claimed] = await claim_due(session, now=now, limit=10, lease=LEASE)
    assert claimed.id == queued.id
    transport = smtp(smtp_server)
    # When another worker looks while the lease holds
    during = await deliver_due(sessionmaker, transport, now=now + LEASE - timedelta(seconds=1))
    # Then it leaves the mail alone
    assert during == DeliveryReport()
    # When the lease has expired
    after = await deliver_due(sessionmaker, transport, now=now + LEASE)
    later = await deliver_due(sessionmaker, transport, now=now + 3 * LEASE)
    # Then the mail is delivered exactly once
    assert (after.sent, later.claimed) == (1, 0)
    assert message_ids(smtp_server) == [queued.message_id]


async def test_a_sent_mail_is_never_sent_again_after_a_restart(
    sessionmaker: Maker, settings: Settings, smtp_server: SmtpServer
) -> None:
    # Given a mail delivered by one server process
    queued = await queue(sessionmaker)
    await deliver_due(sessionmaker, smtp(smtp_server))
    # When a new process (engine, transport, worker) starts, even a month later
    engine = create_engine(settings.database_url)
    try:
        restarted = create_sessionmaker(engine)
        report = await deliver_due(restarted, smtp(smtp_server), now=utcnow() + timedelta(days=30))
        worker = MailWorker(restarted, smtp(smtp_server), poll_seconds=0.01)
        worker.start()
        await asyncio.sleep(0.2)
        await worker.stop()
    finally:
        await engine.dispose()
    # Then it sends nothing
    assert report == DeliveryReport()
    assert message_ids(smtp_server) == [queued.message_id]


async def test_concurrent_passes_send_each_mail_exactly_once(
    sessionmaker: Maker, smtp_server: SmtpServer
) -> None:
    # Given forty mails
    queued = [await queue(sessionmaker, to=f"user{n}@example.com") for n in range(40)]
    # When four workers drain the outbox at the same time, in small batches
    reports = await asyncio.gather(
        *(deliver_all_due(sessionmaker, smtp(smtp_server), batch=3) for _ in range(4))
    )
    # Then every mail went out exactly once
    assert sum(report.sent for report in reports) == 40
    assert sorted(message_ids(smtp_server)) == sorted(m.message_id for m in queued)
    async with sessionmaker() as session:
        unsent = await session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)))
        assert unsent.all() == []


async def test_open_claims_never_overlap(sessionmaker: Maker) -> None:
    # Given six due mails
    for _ in range(6):
        await queue(sessionmaker)
    now = utcnow()

    async def claim(limit: int) -> set[int]:
        async with sessionmaker() as session, session.begin():
            await begin_write(session)
            claimed = await claim_due(session, now=now, limit=limit, lease=LEASE)
            return {message.id for message in claimed}

    # When one claimer holds its transaction open while another claims
    async with sessionmaker() as first, first.begin():
        await begin_write(first)
        held = {m.id for m in await claim_due(first, now=now, limit=4, lease=LEASE)}
        # (PostgreSQL skips the locked rows at once; SQLite waits for the first to commit)
        second = asyncio.create_task(claim(limit=4))
        await asyncio.sleep(0.2)
    # Then they get different mails, and together all of them
    other = await second
    assert len(held) == 4
    assert len(other) == 2
    assert held.isdisjoint(other)


async def test_a_pass_stops_sending_before_its_lease_could_expire(sessionmaker: Maker) -> None:
    # Given five mails and a transport that takes 0.35 s per mail
    for _ in range(5):
        await queue(sessionmaker)
    sent_at: list[float] = []

    class Slow:
        async def send(self, message: OutboxMessage) -> None:
            await asyncio.sleep(0.35)
            sent_at.append(asyncio.get_running_loop().time())

    # When a pass holds a 1 s lease and allows 0.4 s per send
    started = asyncio.get_running_loop().time()
    report = await deliver_due(
        sessionmaker, Slow(), lease=timedelta(seconds=1), send_timeout=timedelta(seconds=0.4)
    )
    # Then it sent only what fits in the lease, and left the rest claimed for a later pass
    assert report.claimed == 5
    assert 1 <= report.sent < 5
    assert report.failed == 0
    assert all(moment - started < 1 for moment in sent_at)
    async with sessionmaker() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    waiting = [row for row in rows if row.sent_at is None]
    assert len(waiting) == 5 - report.sent
    assert all(row.locked_until is not None and row.attempts == 0 for row in waiting)


# --- transports -----------------------------------------------------------------------------


async def test_the_log_transport_writes_the_whole_mail_to_the_log(
    sessionmaker: Maker, caplog: pytest.LogCaptureFixture
) -> None:
    queued = await queue(
        sessionmaker, to="dev@example.com", subject="Reset", body="Go to http://x/y"
    )
    with caplog.at_level(logging.INFO, logger="fleet.mail"):
        report = await deliver_due(sessionmaker, LogTransport())
    assert report.sent == 1
    [logged] = [r for r in caplog.records if r.name == "fleet.mail" and "Subject" in r.getMessage()]
    assert logged.levelno == logging.INFO
    text = logged.getMessage()
    assert "To: dev@example.com" in text
    assert "Subject: Reset" in text
    assert queued.message_id in text
    assert "Go to http://x/y" in text
    assert (await stored(sessionmaker, queued)).sent_at is not None


def test_the_transport_follows_the_settings() -> None:
    development = Settings(jwt_key="k" * 32)
    assert isinstance(transport_for(development), LogTransport)
    # In production without SMTP mail stays queued instead of being logged as sent
    assert transport_for(dataclasses.replace(development, environment="production")) is None
    configured = dataclasses.replace(
        development,
        smtp_host="smtp.example.com",
        smtp_port=465,
        smtp_security="tls",
        smtp_username="fleet",
        smtp_password="secret",
    )
    transport = transport_for(configured)
    assert isinstance(transport, SmtpTransport)
    assert (transport.host, transport.port, transport.security) == ("smtp.example.com", 465, "tls")
    assert (transport.username, transport.password) == ("fleet", "secret")
    assert transport.sender == development.mail_from


def test_mail_poll_seconds_comes_from_the_environment() -> None:
    environment = {"JWT_SECRET_KEY": "k" * 32}
    assert Settings.from_env(environment).mail_poll_seconds == 5
    assert Settings.from_env({**environment, "MAIL_POLL_SECONDS": "0.5"}).mail_poll_seconds == 0.5
    for wrong in ("0", "-1", "soon"):
        with pytest.raises(ConfigError, match="MAIL_POLL_SECONDS"):
            Settings.from_env({**environment, "MAIL_POLL_SECONDS": wrong})


def outbox_message(to: str = "ana@example.com") -> OutboxMessage:
    """An unsaved message: the transports only read it."""
    return OutboxMessage(
        id=1,
        message_id="<t1@fleet-admin.local>",
        kind="test",
        to_address=to,
        subject="Hi",
        body_text="Hello",
        created_at=utcnow(),
    )


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_smtp_login_uses_the_configured_credentials() -> None:
    server = SmtpServer(credentials=("fleet", "s3cret")).start()
    try:
        await smtp(server, username="fleet", password="s3cret").send(outbox_message())
        with pytest.raises(Exception, match="535"):
            await smtp(server, username="fleet", password="wrong").send(outbox_message())
    finally:
        server.stop()
    assert server.logins == ["fleet"]


async def test_starttls_is_required_not_opportunistic(smtp_server: SmtpServer) -> None:
    # A server that does not offer STARTTLS gets nothing, rather than the mail in clear
    with pytest.raises(Exception, match="STARTTLS"):
        await smtp(smtp_server, security="starttls").send(outbox_message())
    assert smtp_server.messages == []


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    openssl = shutil.which("openssl")
    require(None if openssl else "the openssl command is needed to make a test certificate")
    assert openssl is not None
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_smtp_over_tls(security: str, certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    if security == "starttls":
        server = SmtpServer(starttls=server_context)
    else:
        server = SmtpServer(implicit_tls=server_context)
    client_context = ssl.create_default_context(cafile=str(cert))
    server.start()
    try:
        transport = smtp(server, security=security, tls_context=client_context)
        await transport.send(outbox_message())
    finally:
        server.stop()
    assert [mail["Subject"] for mail in server.messages] == ["Hi"]


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    for attempts in range(1, 40):
        ceiling = min(BACKOFF_CAP, timedelta(seconds=30) * 2 ** min(attempts - 1, 20))
        waits = {backoff(attempts) for _ in range(20)}
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(waits) > 1  # jittered
    assert backoff(1000) <= BACKOFF_CAP


# --- the worker and the command line --------------------------------------------------------


async def test_the_worker_started_by_the_server_delivers_mail_enqueued_by_a_service(
    app: Any, settings: Settings, sessionmaker: Maker, smtp_server: SmtpServer
) -> None:
    # Given a server whose lifespan runs the mail worker, polling quickly
    server_app = create_app(
        smtp_server.configure(dataclasses.replace(settings, mail_poll_seconds=0.05))
    )
    async with server_app.router.lifespan_context(server_app):
        # When a service writes a mail and its transaction commits
        queued = await queue(sessionmaker, subject="From the worker")
        # Then the worker delivers it
        [mail] = await smtp_server.wait_for(1, timeout=10)
    # And on shutdown the worker stops after recording the delivery
    assert mail["Message-ID"] == queued.message_id
    assert (await stored(sessionmaker, queued)).sent_at is not None


async def test_the_worker_survives_database_errors_and_stops_cleanly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a worker whose database cannot be opened
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'app.db'}")
    worker = MailWorker(create_sessionmaker(engine), LogTransport(), poll_seconds=0.01)
    try:
        worker.start()
        # When several passes fail
        for _ in range(500):
            failures = [r for r in caplog.records if "pass failed" in r.getMessage()]
            if len(failures) >= 3:
                break
            await asyncio.sleep(0.01)
        # Then each is logged and the worker keeps going
        assert len(failures) >= 3
        assert worker.running
        # And it stops on request
        await worker.stop()
        assert not worker.running
    finally:
        await engine.dispose()


async def test_mail_drain_delivers_what_is_due_and_prints_a_summary(
    sessionmaker: Maker,
    settings: Settings,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a deliverable mail and one the server rejects
    smtp_server.reject.add("gone@example.com")
    delivered = await queue(sessionmaker, to="ana@example.com")
    await queue(sessionmaker, to="gone@example.com")
    environment = {
        "APP_ENV": "test",
        "DATABASE_URL": settings.database_url,
        "DATA_DIR": str(settings.data_dir),
        "JWT_SECRET_KEY": settings.jwt_key,
        "SMTP_HOST": HOST,
        "SMTP_PORT": str(smtp_server.port),
        "SMTP_SECURITY": "none",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    # When `cli.py mail-drain` runs (in a thread: it runs its own event loop)
    status = await asyncio.to_thread(cli.main, ["mail-drain"])
    # Then it sent the first, recorded the second's failure, and said so
    assert status == 0
    assert message_ids(smtp_server) == [delivered.message_id]
    assert "Mail: 1 sent, 1 failed, 1 remaining, 0 given up." in capsys.readouterr().out
