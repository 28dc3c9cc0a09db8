"""A real SMTP server on loopback (aiosmtpd) for tests, keeping every message it receives.

    async def test_invitation_mail(smtp_server: SmtpServer, ...) -> None:
        settings = smtp_server.configure(settings)      # SMTP_HOST/PORT pointed at it
        ...
        [mail] = await smtp_server.wait_for(1)
        link = links(mail)[0]

The `smtp_server` fixture starts one per test; import it into a test module (or conftest.py) to
use it. The server runs in its own thread, so the test's event loop stays free for the code
that sends.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
import re
import socket
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from config import Settings

HOST = "127.0.0.1"
_URL = re.compile(r"https?://[^\s<>\"']+")


def free_port() -> int:
    """A loopback port nothing listens on (the OS picked it; it may be taken again later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def body(message: EmailMessage) -> str:
    """The plain-text body, decoded, with the wire's CRLF line ends turned back into LF."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the message has no text/plain part"
    content: str = part.get_content()
    return content.replace("\r\n", "\n")


def links(message: EmailMessage) -> list[str]:
    """The URLs in the plain-text body, in order."""
    return _URL.findall(body(message))


@dataclasses.dataclass(frozen=True)
class Envelope:
    mail_from: str
    rcpt_tos: list[str]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        if address in self.server.reject:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, session: Any, envelope: Any) -> str:
        raw: bytes = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.server.envelopes.append(Envelope(envelope.mail_from, list(envelope.rcpt_tos)))
        credentials = session.auth_data
        self.server.logins.append(credentials.login.decode() if credentials else None)
        self.server.messages.append(message)
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on 127.0.0.1. `credentials` requires AUTH with that login and password;
    `starttls` offers (and requires) STARTTLS with that context; `implicit_tls` speaks TLS
    from the first byte (SMTP_SECURITY=tls). Recipients in `reject` get a permanent 550."""

    def __init__(
        self,
        *,
        port: int | None = None,
        credentials: tuple[str, str] | None = None,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
    ) -> None:
        self.port = port or free_port()
        self.credentials = credentials
        self.reject: set[str] = set()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Envelope] = []
        self.logins: list[str | None] = []
        options: dict[str, Any] = {}
        if credentials is not None:
            options.update(
                authenticator=self._authenticate, auth_required=True, auth_require_tls=False
            )
        if starttls is not None:
            options.update(tls_context=starttls, require_starttls=True)
        if implicit_tls is not None:
            options.update(ssl_context=implicit_tls)
        self._controller = Controller(_Handler(self), hostname=HOST, port=self.port, **options)

    def _authenticate(
        self, _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and (
                data.login.decode(),
                data.password.decode(),
            )
            == self.credentials
        )
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def configure(self, settings: Settings) -> Settings:
        """`settings` with the SMTP variables pointing at this server (no TLS, no login)."""
        return dataclasses.replace(
            settings, smtp_host=HOST, smtp_port=self.port, smtp_security="none"
        )

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:  # noqa: ASYNC109
        """Wait until at least `count` messages have arrived; return all of them."""
        try:
            async with asyncio.timeout(timeout):
                while len(self.messages) < count:  # noqa: ASYNC110 - filled by the server's thread
                    await asyncio.sleep(0.01)
        except TimeoutError:
            raise AssertionError(
                f"expected {count} message(s) within {timeout}s, got {len(self.messages)}"
            ) from None
        return list(self.messages)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()
