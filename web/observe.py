"""The HTTP layer's view of each request: its id, W3C trace context, the fields every log
line of it carries (services/logs.py) and our access line (uvicorn's is turned off).

A plain ASGI middleware, so it costs a few microseconds per request: no Request object, no
body buffering. When tracing is on (TRACING=true) OpenTelemetry's ASGI middleware runs
outside this one and its server span is current here.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services import logs, origin

access_log = logging.getLogger("fleet.access")

_REQUEST_ID = re.compile(r"[A-Za-z0-9\-_.]{1,64}")
# version 00: trace-id (not all zeros), parent-id (not all zeros), flags (W3C Trace Context)
_TRACEPARENT = re.compile(r"00-(?!0{32})([0-9a-f]{32})-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}")
# Probes and scrapes come every few seconds: their access lines are DEBUG, not INFO.
QUIET_PATHS = frozenset({"/livez", "/readyz", "/health", "/metrics"})


def request_id_from(value: str | None) -> str:
    """The client's X-Request-ID when it is a sane token, else a new one."""
    if value and _REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def _traceparent_of_span() -> str | None:
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


class RequestObserver:
    def __init__(self, app: ASGIApp, *, tracing: bool = False) -> None:
        self.app = app
        self.tracing = tracing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            if name in (b"x-request-id", b"traceparent", b"user-agent"):
                headers[name] = value
        request_id = request_id_from(headers.get(b"x-request-id", b"").decode("latin-1"))
        incoming = headers.get(b"traceparent", b"").decode("latin-1").strip().lower()
        traceparent = incoming if _TRACEPARENT.fullmatch(incoming) else None
        if self.tracing:
            traceparent = _traceparent_of_span() or traceparent
        fields = logs.RequestFields(request_id, trace_id=traceparent[3:35] if traceparent else None)
        scope.setdefault("state", {})["request_id"] = request_id
        client = scope.get("client")
        user_agent = headers.get(b"user-agent")
        status = 500
        sent_bytes = 0

        async def send_observed(message: Message) -> None:
            nonlocal status, sent_bytes
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers: list[Any] = list(message.get("headers", []))
                if not any(name == b"x-request-id" for name, _ in response_headers):
                    response_headers.append((b"x-request-id", request_id.encode()))
                if traceparent is not None:
                    response_headers.append((b"traceparent", traceparent.encode()))
                message = {**message, "headers": response_headers}
                # Now, not after the answer: the server span ends with the last body part.
                if self.tracing and fields.operation:
                    span = trace.get_current_span()
                    if span.is_recording():
                        span.set_attribute("graphql.operation.name", fields.operation)
            elif message["type"] == "http.response.body":
                sent_bytes += len(message.get("body", b""))
            await send(message)

        with (
            logs.bound(fields),
            origin.bound(
                origin.Origin(
                    request_id=request_id,
                    client_address=client[0] if client else None,
                    # Bounded: it is stored with audit entries and written to logs.
                    user_agent=user_agent.decode("latin-1")[:512] if user_agent else None,
                )
            ),
        ):
            try:
                await self.app(scope, receive, send_observed)
            finally:
                path = scope["path"]
                # The path only: a query string may carry variables, even passwords.
                access_log.log(
                    logging.DEBUG if path in QUIET_PATHS else logging.INFO,
                    "%s %s %d",
                    scope["method"],
                    path,
                    status,
                    extra={
                        "method": scope["method"],
                        "path": path,
                        "status": status,
                        "bytes": sent_bytes,
                        "client": client[0] if client else None,
                    },
                )
