"""OpenTelemetry tracing of requests (ASGI) and SQL statements (SQLAlchemy), with the
maintained instrumentation packages. Off unless TRACING=true; spans are exported by OTLP
over HTTP, configured by the standard OTEL_* variables (OTEL_EXPORTER_OTLP_ENDPOINT,
OTEL_SERVICE_NAME, ...). W3C `traceparent` from the client becomes the spans' parent."""

from __future__ import annotations

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.middleware import Middleware


def provider() -> TracerProvider:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    tracer_provider = TracerProvider(resource=Resource.create({SERVICE_NAME: "fleet-admin"}))
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return tracer_provider


def instrument_engine(engine: AsyncEngine, tracer_provider: TracerProvider) -> None:
    SQLAlchemyInstrumentor().instrument(
        engine=engine.sync_engine, tracer_provider=tracer_provider, enable_commenter=False
    )


def asgi_middleware(tracer_provider: TracerProvider) -> Middleware:
    # Probes and scrapes would drown the traces of real requests.
    return Middleware(
        OpenTelemetryMiddleware,
        tracer_provider=tracer_provider,
        exclude_spans=["receive", "send"],
        excluded_urls="livez,readyz,health,metrics",
    )
