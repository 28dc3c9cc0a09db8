"""GraphQL over HTTP (the GraphQL-over-HTTP spec), with GraphiQL for browsers and persisted
documents (web/persisted.py).

Written here rather than taken from Strawberry's view because the spec's
`application/graphql-response+json` media type, with its status codes, is not supported
there. The request's user is authenticated once, before execution.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from typing import Any

import orjson
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType

from config import Settings
from schema import AppSchema
from schema.context import Context
from schema.extensions import INTERNAL_MESSAGE, public_error
from services import auth, locales, logs, metrics, origin
from services.errors import UnauthenticatedError
from services.tokens import TokenConfig
from web.explorer import page_response
from web.observe import request_id_from
from web.persisted import PersistedDocuments, PersistedQueryError

log = logging.getLogger("fleet.http")

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
COST_HEADER = "x-graphql-cost"
_BEARER = re.compile(r"^Bearer +([A-Za-z0-9\-_.=]+)$", re.IGNORECASE)  # RFC 9110: any case


class RequestError(Exception):
    """The HTTP request itself is unacceptable; no GraphQL was executed."""

    CODES = {
        405: "METHOD_NOT_ALLOWED",
        406: "NOT_ACCEPTABLE",
        413: "PAYLOAD_TOO_LARGE",
        415: "UNSUPPORTED_MEDIA_TYPE",
    }

    def __init__(
        self,
        status: int,
        message: str,
        headers: Mapping[str, str] | None = None,
        *,
        code: str | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        self.code = code or self.CODES.get(status, "BAD_REQUEST")


def _quality(params: list[str]) -> float:
    """The `q` weight of one Accept entry (1 when absent or unreadable)."""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value.strip())
            except ValueError:
                return 1.0
    return 1.0


def _media_type(request: Request) -> str | None:
    """The response media type for this request, or None when the client accepts neither.

    The newer `application/graphql-response+json` wins ties, but only when named: wildcards
    mean `application/json`, which every client understands. `q=0` refuses a type.
    """
    accept = request.headers.get("accept", "")
    if not accept.strip():
        return JSON
    weights: dict[str, float] = {}
    for entry in accept.split(","):
        media, *params = entry.split(";")
        media = media.strip().lower()
        if media:
            weights[media] = max(weights.get(media, 0.0), _quality(params))
    # The most specific range decides (RFC 9110 12.5.1): an explicit entry beats a wildcard.
    json_weight = next(
        (weights[media] for media in (JSON, "application/*", "*/*") if media in weights), 0.0
    )
    response_weight = weights.get(GRAPHQL_RESPONSE, 0.0)
    if response_weight > 0 and response_weight >= json_weight:
        return GRAPHQL_RESPONSE
    return JSON if json_weight > 0 else None


def _json_map(value: Any, name: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RequestError(400, f"`{name}` must be a map")
    return value


def _params(
    data: Any,
) -> tuple[str | None, dict[str, Any] | None, str | None, dict[str, Any] | None]:
    """The request's parameters; `query` may be absent (a persisted document's hash instead)."""
    if not isinstance(data, dict):
        raise RequestError(400, "The request body must be a JSON object (batches are not accepted)")
    query = data.get("query")
    if query is not None and (not isinstance(query, str) or not query.strip()):
        raise RequestError(400, "`query` must be a non-empty string")
    operation_name = data.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestError(400, "`operationName` must be a string")
    return (
        query,
        _json_map(data.get("variables"), "variables"),
        operation_name,
        _json_map(data.get("extensions"), "extensions"),
    )


def _get_params(request: Request) -> Any:
    params: dict[str, Any] = dict(request.query_params)
    for key in ("variables", "extensions"):
        if key in params:
            try:
                params[key] = orjson.loads(params[key])
            except orjson.JSONDecodeError as exc:
                raise RequestError(400, f"`{key}` must be URL-encoded JSON") from exc
    return params


class GraphQLEndpoint:
    def __init__(
        self,
        *,
        schema: AppSchema,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        read_sessionmaker: async_sessionmaker[AsyncSession],
        token_config: TokenConfig,
        persisted: PersistedDocuments,
        primary_read_sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self.schema = schema
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.read_sessionmaker = read_sessionmaker
        # With a read replica: who the token belongs to, and reads after a write, come from
        # the primary (a replica that lags must not revive a revoked session).
        self.primary_read_sessionmaker = primary_read_sessionmaker
        self.token_config = token_config
        self.persisted = persisted

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        # Chosen by web/observe.py, which binds it to every log line of the request.
        request_id = request.scope.get("state", {}).get("request_id") or request_id_from(
            request.headers.get("x-request-id")
        )
        media_type = _media_type(request)
        # Errors of the transport itself still answer in the negotiated media type.
        error_media_type = media_type or JSON
        observed = _Observed()
        try:
            with origin.bound(_origin_of(request, request_id)):
                response = await self._handle(request, request_id, media_type, observed)
        except RequestError as exc:
            response = _errors_response(
                exc.status,
                error_media_type,
                {"message": exc.message, "extensions": {"code": exc.code}},
                exc.headers,
            )
        except Exception:
            # Resolver failures are masked by the schema's ErrorContract; this catches what
            # fails around execution (reading the body, authenticating against the database),
            # which would otherwise reach the client as a bare text 500 without a request id.
            log.exception("unexpected error handling request %s", request_id)
            response = _errors_response(
                500,
                error_media_type,
                {
                    "message": INTERNAL_MESSAGE,
                    "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
                },
            )
        response.headers["x-request-id"] = request_id
        metrics.record_request(
            operation=observed.operation,
            kind=observed.kind,
            outcome=observed.outcome if response.status_code < 500 else "error",
            seconds=time.perf_counter() - started,
            codes=observed.codes,
        )
        return response

    async def _handle(
        self, request: Request, request_id: str, media_type: str | None, observed: _Observed
    ) -> Response:
        if request.method == "GET":
            if self.settings.graphiql and self._wants_html(request):
                return page_response(self.settings.bootstrap_admin_email)
            data = _get_params(request)
            allowed = {OperationType.QUERY}
        elif request.method == "POST":
            data = await self._post_body(request)
            allowed = {OperationType.QUERY, OperationType.MUTATION}
        else:
            raise RequestError(405, "Use GET or POST", {"allow": "GET, POST"})
        if media_type is None:
            raise RequestError(406, f"Acceptable media types: {GRAPHQL_RESPONSE}, {JSON}")
        query, variables, operation_name, extensions = _params(data)
        fields = logs.current()
        observed.operation = operation_name
        if fields is not None:
            fields.operation = operation_name
        try:
            # Before authentication and parsing: a refused document costs a hash, no more.
            resolved = self.persisted.resolve(query, extensions)
        except PersistedQueryError as exc:
            if exc.status is not None:
                raise RequestError(exc.status, exc.message, code=exc.code) from exc
            return self._response(_request_error(exc.message, exc.code), media_type, request_id)
        context = await self._context(request, request_id)
        if fields is not None and context.actor is not None:
            fields.user_id = context.actor.user_id
        try:
            result = await self.schema.execute(
                resolved.document,
                variable_values=variables,
                context_value=context,
                operation_name=operation_name,
                allowed_operation_types=allowed,
                operation_extensions=extensions,
            )
        except InvalidOperationTypeError as exc:
            if request.method == "GET":
                # The spec requires 405 for a mutation sent with GET.
                raise RequestError(
                    405, "Only queries may be sent with GET; use POST", {"allow": "POST"}
                ) from exc
            result = _request_error("Subscriptions are not served over HTTP")
        except CannotGetOperationTypeError as exc:
            # Strawberry raises this before validation; to the client it is an ordinary
            # GraphQL request error, answered like a validation failure.
            result = _request_error(
                "The document contains no operation"
                if exc.operation_name is None
                else f'Unknown operation named "{exc.operation_name}".'
            )
        if resolved.register is not None and not isinstance(result, PreExecutionError):
            # Kept only once it has parsed and validated: garbage never takes a place.
            self.persisted.register(resolved.register, resolved.document)
        response = self._response(result, media_type, request_id)
        observed.seen(context, result)
        return response

    @staticmethod
    def _wants_html(request: Request) -> bool:
        return "text/html" in request.headers.get("accept", "") and not request.query_params

    async def _post_body(self, request: Request) -> Any:
        content_type = request.headers.get("content-type", "")
        if not content_type:
            raise RequestError(415, "Content-Type is required: use application/json")
        media, _, params = content_type.partition(";")
        if media.strip().lower() != JSON:
            raise RequestError(415, "Unsupported Content-Type: use application/json")
        charset = re.search(r"charset=([^;\s]+)", params, re.IGNORECASE)
        if charset and charset.group(1).strip('"').lower() not in ("utf-8", "utf8"):
            raise RequestError(415, "Only utf-8 request bodies are accepted")
        body = await self._read_limited(request)
        if not body:
            raise RequestError(400, "The request body is empty")
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise RequestError(400, "The request body is not valid JSON") from exc

    async def _read_limited(self, request: Request) -> bytes:
        limit = self.settings.max_body_bytes
        too_large = RequestError(413, f"The request body exceeds {limit} bytes")
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)

    async def _context(self, request: Request, request_id: str) -> Context:
        context = Context(
            sessionmaker=self.sessionmaker,
            read_sessionmaker=self.read_sessionmaker,
            primary_read_sessionmaker=self.primary_read_sessionmaker,
            settings=self.settings,
            token_config=self.token_config,
            request_id=request_id,
            client_address=request.client.host if request.client else None,
            report_cost=self.settings.report_cost or _asks_cost(request),
            locale=locales.negotiate(request.headers.get("accept-language")),
        )
        header = request.headers.get("authorization")
        if header is None:
            return context
        match = _BEARER.match(header.strip())
        if match is None:
            context.auth_error = "Authorization must be `Bearer <access token>`"
            return context
        try:
            async with (self.primary_read_sessionmaker or self.read_sessionmaker)() as session:
                context.actor = await auth.authenticate(
                    session, config=self.token_config, access_token=match.group(1)
                )
        except UnauthenticatedError as exc:
            context.auth_error = exc.message
        return context

    @staticmethod
    def _response(result: ExecutionResult, media_type: str, request_id: str) -> Response:
        body: dict[str, Any] = {}
        if result.errors:
            # Parse failures skip the schema's extensions, so apply the contract here too.
            body["errors"] = [_format(public_error(e, request_id)) for e in result.errors]
        # A request error (parse, validation, variables) executed nothing: no `data` entry.
        request_error = isinstance(result, PreExecutionError) or (
            result.data is None
            and bool(result.errors)
            and all(error.path is None for error in result.errors or [])
        )
        if not request_error:
            body["data"] = result.data
        if result.extensions:
            body["extensions"] = result.extensions
        # application/json answers 200 to every well-formed HTTP request (legacy clients read
        # the body whatever the status); the newer media type reports request errors as 400.
        status = 400 if request_error and media_type == GRAPHQL_RESPONSE else 200
        return _json_response(body, status, media_type)


def _asks_cost(request: Request) -> bool:
    """`X-GraphQL-Cost: true` asks for the document's cost in the answer's extensions."""
    return request.headers.get(COST_HEADER, "").strip().lower() in ("1", "true", "yes")


class _Observed:
    """What the metrics say about one request: its operation, type, outcome, error codes."""

    __slots__ = ("codes", "kind", "operation", "outcome")

    def __init__(self) -> None:
        self.operation: str | None = None
        self.kind = "unknown"  # before the document is valid: query, mutation once it is
        self.outcome = "rejected"  # refused before execution, unless seen() says otherwise
        self.codes: list[str] = []

    def seen(self, context: Context, result: ExecutionResult) -> None:
        if context.operation_type is not None:
            self.kind = context.operation_type
            self.operation = context.operation_name or self.operation
        errors = result.errors or []
        executed = not isinstance(result, PreExecutionError) and context.operation_type
        self.outcome = ("error" if errors else "ok") if executed else "rejected"
        for error in errors:
            code = (error.extensions or {}).get("code") or (
                public_error(error, None).extensions or {}
            ).get("code")
            self.codes.append(code if isinstance(code, str) else "NONE")


def _origin_of(request: Request, request_id: str) -> origin.Origin:
    user_agent = request.headers.get("user-agent")
    return origin.Origin(
        request_id=request_id,
        client_address=request.client.host if request.client else None,
        # Bounded: it is stored with audit entries and written to logs.
        user_agent=user_agent[:512] if user_agent else None,
    )


def _format(error: GraphQLError) -> dict[str, Any]:
    return dict(error.formatted)


def _request_error(message: str, code: str | None = None) -> ExecutionResult:
    """A GraphQL request error raised outside graphql-core: nothing was executed."""
    extensions = {"code": code} if code else None
    return PreExecutionError(data=None, errors=[GraphQLError(message, extensions=extensions)])


def _json_response(
    body: dict[str, Any], status: int, media_type: str, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type=f"{media_type}; charset=utf-8",
        headers=dict(headers or {}),
    )


def _errors_response(
    status: int, media_type: str, error: dict[str, Any], headers: Mapping[str, str] | None = None
) -> Response:
    """A response carrying one error and no `data`: the request was refused before execution."""
    return _json_response({"errors": [error]}, status, media_type, headers)
