"""Top-level errors: a code for every error a client may see, nothing internal leaked."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from models.user import Locale
from services import error_messages
from services import logs as request_log
from services.errors import AccessError, BadInputError, DomainError

log = logging.getLogger("fleet.graphql")

INTERNAL_MESSAGE = "Internal server error"


def is_unexpected(error: GraphQLError) -> bool:
    """Raised by our code but neither a domain nor an access error: a bug, or an outage."""
    original = error.original_error
    return original is not None and not isinstance(
        original, DomainError | AccessError | GraphQLError
    )


def request_id_of(context: Any) -> str | None:
    return getattr(context, "request_id", None)


def log_errors(errors: list[GraphQLError], context: Any) -> None:
    """Server faults loudly with their traceback; client mistakes quietly."""
    request_id = request_id_of(context)
    for error in errors:
        if is_unexpected(error):
            log.error(
                "unexpected error in %s (request %s)",
                ".".join(map(str, error.path or [])) or "operation",
                request_id,
                exc_info=error.original_error,
            )
        else:
            log.info("client error (request %s): %s", request_id, error.message)


def rewritten(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    """The error with this message and these extensions added, its cause dropped."""
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions={**(error.extensions or {}), **extensions},
    )


def locale_of(context: Any) -> Locale:
    locale = getattr(context, "locale", None)
    return locale if isinstance(locale, Locale) else Locale.EN


def public_error(
    error: GraphQLError, request_id: str | None, locale: Locale = Locale.EN
) -> GraphQLError:
    """The error as a client sees it: a code, and a message in `locale` (the code's the
    same in every language; graphql-core's own messages about the document stay English)."""
    original = error.original_error
    if isinstance(original, BadInputError):
        message = error_messages.access_message(original, locale)
        return rewritten(error, message, original.extensions)
    if isinstance(original, AccessError):
        message = error_messages.access_message(original, locale)
        return rewritten(error, message, {"code": original.extension_code})
    if isinstance(original, DomainError):
        message = error_messages.domain_message(original, locale)
        return rewritten(error, message, {"code": original.code.value, "field": original.field})
    if is_unexpected(error):
        message = error_messages.render(
            error_messages.INTERNAL_SERVER_ERROR, locale, english=INTERNAL_MESSAGE
        )
        return rewritten(error, message, {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id})
    if not (error.extensions or {}).get("code") and error.path is None:
        # graphql-core's own parse, validation and variable errors carry no code.
        code = "GRAPHQL_PARSE_FAILED" if error.message.startswith("Syntax Error") else None
        return rewritten(error, error.message, {"code": code or "GRAPHQL_VALIDATION_FAILED"})
    return error


class ErrorContract(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            context = self.execution_context.context
            request_id, locale = request_id_of(context), locale_of(context)
            result.errors = [public_error(error, request_id, locale) for error in errors]


class RequireOperationName(SchemaExtension):
    """A document with several operations must say which to run (GraphQL spec, 6.1).

    Strawberry would otherwise run the first one silently.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # `operation_name` falls back to the first operation's name: ask what the client sent.
        if document is not None and context._provided_operation_name is None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                raise GraphQLError(
                    "Must provide operation name if query contains multiple operations.",
                    extensions={"code": "GRAPHQL_VALIDATION_FAILED"},
                )
        yield


class OperationObserver(SchemaExtension):
    """Names the operation for the logs and metrics once the document is parsed and valid
    (no resolve hook: the fast executor stays on)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        app_context = context.context
        name = context.operation_name
        if hasattr(app_context, "operation_type"):
            app_context.operation_type = context.operation_type.value
            app_context.operation_name = name
        fields = request_log.current()
        if fields is not None and name:
            fields.operation = name
        yield
