"""OpenTelemetry tracing of requests (ASGI) and SQL statements (SQLAlchemy), with the
maintained instrumentation packages. Off unless TRACING=true; spans are exported by OTLP
over HTTP, configured by the standard OTEL_* variables (OTEL_EXPORTER_OTLP_ENDPOINT,
OTEL_SERVICE_NAME, ...). W3C `traceparent` from the client becomes the spans' parent."""

from __future__ import annotations

import os
from collections.abc import Mapping

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.instrumentation.sqlalchemy.version import __version__ as sqlalchemy_version
from opentelemetry.metrics import get_meter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.semconv.metrics import MetricInstruments
from opentelemetry.trace import get_tracer
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.middleware import Middleware


def resource(env: Mapping[str, str]) -> Resource:
    """`service.name` is fleet-admin unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES
    name it (Resource.create lets attributes passed in win over both)."""
    named = env.get("OTEL_SERVICE_NAME") or "service.name=" in env.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    )
    return Resource.create({} if named else {SERVICE_NAME: "fleet-admin"})


def provider() -> TracerProvider:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    tracer_provider = TracerProvider(resource=resource(os.environ))
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return tracer_provider


def instrument_engine(engine: AsyncEngine, tracer_provider: TracerProvider) -> None:
    """Spans for this engine's statements, as `SQLAlchemyInstrumentor().instrument(engine=)`
    makes them, without going through the instrumentor: it refuses SQLAlchemy 2.1 (its
    declared range ends at 2.1.0, so it silently instruments nothing), it is a process-wide
    singleton (a second engine, the read replica, would be ignored), and it also wraps
    `create_engine` for the whole process. The EngineTracer it would attach is the same
    (it listens on the engine's events)."""
    tracer = get_tracer(
        "opentelemetry.instrumentation.sqlalchemy", sqlalchemy_version, tracer_provider
    )
    usage = get_meter("opentelemetry.instrumentation.sqlalchemy").create_up_down_counter(
        name=MetricInstruments.DB_CLIENT_CONNECTIONS_USAGE,
        unit="connections",
        description="Connections in the state named by the state attribute.",
    )
    EngineTracer(tracer, engine.sync_engine, usage, False)  # type: ignore[no-untyped-call]


def asgi_middleware(tracer_provider: TracerProvider) -> Middleware:
    # Probes and scrapes would drown the traces of real requests.
    return Middleware(
        OpenTelemetryMiddleware,
        tracer_provider=tracer_provider,
        exclude_spans=["receive", "send"],
        excluded_urls="livez,readyz,health,metrics",
    )
