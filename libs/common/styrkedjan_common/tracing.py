"""Traces across the gateway and the services, in OpenTelemetry.

Off unless `<APP>_OTLP_TRACES_ENDPOINT` names an OTLP/HTTP collector: then the app has a span for
each request it serves (a W3C `traceparent` sent with the request makes it part of the caller's
trace), one for each SQL statement, and passes its context on to the services it calls, and the
spans are exported in batches. Off, no tracer exists and nothing is measured. Either way, a log
line written while a span is current carries its trace and span ids."""

from __future__ import annotations

from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from opentelemetry import propagate, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from structlog.typing import EventDict, WrappedLogger

# Probes and scrapes are no part of anyone's trace.
UNTRACED_PATHS = "livez,readyz,metrics"
# A statement's text in its span, cut: the text is for finding the query, not for storing it.
MAX_STATEMENT = 2000


def tracer_provider(app_name: str, endpoint: str | None) -> TracerProvider | None:
    """The app's provider exporting to `endpoint`, or None: tracing is off."""
    if not endpoint:
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": f"styrkedjan-{app_name}"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return provider


def _middleware_options(provider: TracerProvider) -> dict[str, Any]:
    return {"excluded_urls": UNTRACED_PATHS, "tracer_provider": provider, "exclude_spans": ["receive", "send"]}


def trace_requests(app: Any, provider: TracerProvider | None) -> Any:
    """`app` inside a span per request when tracing is on. The outermost layer, so that every
    line logged for the request, the access line included, has the trace id."""
    return app if provider is None else OpenTelemetryMiddleware(app, **_middleware_options(provider))


def install_request_tracing(app: FastAPI, provider: TracerProvider | None) -> None:
    """The same for a FastAPI app, which its caller keeps holding (added last: the outermost)."""
    if provider is not None:
        app.add_middleware(OpenTelemetryMiddleware, **_middleware_options(provider))


class _StatementSpans:
    """A client span for each SQL statement, beneath the request's span, from SQLAlchemy's own
    cursor events. OpenTelemetry's SQLAlchemy instrumentation supports SQLAlchemy below 2.1 only,
    so these few lines do its part here."""

    def __init__(self, engine: AsyncEngine, provider: TracerProvider) -> None:
        self.engine = engine.sync_engine
        self.tracer = provider.get_tracer("styrkedjan.sql")
        self.system = engine.dialect.name

    def start(self, _connection: Any, _cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool) -> None:
        operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        context._styrkedjan_span = self.tracer.start_span(
            operation, kind=SpanKind.CLIENT, attributes={"db.system.name": self.system, "db.query.text": statement[:MAX_STATEMENT]}
        )

    def end(self, _connection: Any, _cursor: Any, _statement: str, _parameters: Any, context: Any, _many: bool) -> None:
        span = getattr(context, "_styrkedjan_span", None)
        if span is not None:
            span.end()

    def fail(self, error: Any) -> None:
        span = getattr(error.execution_context, "_styrkedjan_span", None)
        if span is not None:
            span.set_status(StatusCode.ERROR, type(error.original_exception).__name__)
            span.end()

    def __enter__(self) -> None:
        event.listen(self.engine, "before_cursor_execute", self.start)
        event.listen(self.engine, "after_cursor_execute", self.end)
        event.listen(self.engine, "handle_error", self.fail)

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self.start)
        event.remove(self.engine, "after_cursor_execute", self.end)
        event.remove(self.engine, "handle_error", self.fail)


@asynccontextmanager
async def traced_while_running(engine: AsyncEngine, provider: TracerProvider | None) -> AsyncIterator[None]:
    """While the app runs, a span for each SQL statement of `engine`; at the end, the spans not
    yet exported are sent."""
    if provider is None:
        yield
        return
    try:
        with _StatementSpans(engine, provider):
            yield
    finally:
        provider.shutdown()


def pass_context_on(headers: MutableMapping[str, str]) -> None:
    """The current trace context into the headers of a call to another service (nothing when no
    span is current: tracing is off)."""
    propagate.inject(headers)


def add_trace_ids(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    """structlog: the current span's trace and span ids, as a collector shows them (hex)."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid and "trace_id" not in event:
        event["trace_id"] = format(context.trace_id, "032x")
        event["span_id"] = format(context.span_id, "016x")
    return event
