"""Builds a service app the same way for every service."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi.telemetry import TelemetryConfig
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from styrkedjan_common.audit import Auditor
from styrkedjan_common.conditional import ConditionalReads
from styrkedjan_common.db import create_engine, make_read_sessionmaker, make_sessionmaker
from styrkedjan_common.idempotency import IdempotencyMiddleware, declare_in_openapi, records_beside
from styrkedjan_common.identity import AssertionVerifier, ServiceSigner
from styrkedjan_common.logging import configure_logging
from styrkedjan_common.metrics import Metrics
from styrkedjan_common.middleware import RequestContextMiddleware
from styrkedjan_common.openapi_headers import declare_headers
from styrkedjan_common.org_units import NO_DIRECTORY, DirectorySource, GatewayDirectory, OrgUnitReplica, replica_models_beside
from styrkedjan_common.overload import AdmissionControl, admission_options, install_pool_timeout_handler
from styrkedjan_common.problems import PROBLEM_MEDIA_TYPE, InvalidParam, Problem, install_problem_handlers, problem_response
from styrkedjan_common.security import AssertionMiddleware, check_policies_declared
from styrkedjan_common.settings import AppSettings, ServiceSettings
from styrkedjan_common.tracing import install_request_tracing, traced_while_running, tracer_provider

OPERATIONAL_PATHS = frozenset({"/livez", "/readyz", "/metrics"})
# Metrics are Prometheus (/metrics); FastAPI's built-in OpenTelemetry would otherwise look up
# its global providers on every request.
NO_OPENTELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


# Generation-0 collections after this many net allocations (CPython's default is 700). A large
# answer (the thread of a whole municipality builds some hundred thousand objects) otherwise
# triggers collections that walk everything alive, again and again, only to promote it.
GC_YOUNG_THRESHOLD = 20_000


def settle_heap() -> None:
    """Called once the app has started: what exists now (routes, schemas, models) lives as long as
    the process, so the collector stops walking it (gc.freeze), and young collections become rarer."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


def operation_id(route: APIRoute) -> str:
    """Stable `<tag>-<name>` ids, e.g. `vision-get-current-vision`."""
    tag = str(route.tags[0]) if route.tags else "default"
    return f"{tag}-{route.name.replace('_', '-')}"


async def livez(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    try:
        async with request.app.state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any database failure means not ready
        return problem_response(503, f"the database is not reachable: {type(exc).__name__}")
    replica: OrgUnitReplica | None = getattr(request.app.state, "org_units", None)
    if replica is None:
        return JSONResponse({"status": "ready"})
    # Ready while the directory is away: the service answers from its replica, and says how old it is.
    return JSONResponse({"status": "ready", "directory": replica.status()})


def add_operational_routes(app: FastAPI, metrics: Metrics, settings: AppSettings, ready: Callable[..., Any] = readyz) -> None:
    """Liveness, readiness and metrics: outside auth and outside the schema. Metrics are served
    here unless the settings give them a port of their own."""

    async def metrics_endpoint(_request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.state.metrics = metrics
    app.add_route("/livez", livez, methods=["GET"], include_in_schema=False)
    app.add_route("/readyz", ready, methods=["GET"], include_in_schema=False)
    if settings.metrics_port is None:
        app.add_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)


@asynccontextmanager
async def metrics_served(metrics: Metrics, settings: AppSettings, engine: AsyncEngine) -> AsyncIterator[None]:
    """The app's metrics watch its pool, and are served on their own port while the app runs
    when the settings give one."""
    metrics.watch_pool(engine)
    server = metrics.serve(settings.metrics_port, settings.metrics_host) if settings.metrics_port is not None else None
    try:
        yield
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()


_COMMON_ERRORS = {
    "401": "Not signed in, or the identity is not valid",
    "403": "The caller's role or scope does not allow this",
    "500": "Unexpected error",
}


def problem_openapi(
    app: FastAPI, *, description: str = "", undeclared: Callable[[dict[str, Any]], None] | None = None
) -> Callable[[], dict[str, Any]]:
    """OpenAPI 3.1 with problem+json declared for every failure and FastAPI's 422 shape replaced.
    `undeclared` adds the operations of routes FastAPI does not describe (the gateway's development
    token), before the keys and headers every operation declares are added."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=description, routes=app.routes)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas["Problem"].pop("$defs", None)
        schemas["InvalidParam"] = InvalidParam.model_json_schema()
        schemas["Problem"]["properties"]["errors"] = {
            "anyOf": [{"type": "array", "items": {"$ref": "#/components/schemas/InvalidParam"}}, {"type": "null"}]
        }
        problem_content = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = {"description": "The request is not valid", "content": problem_content}
                for status, text_ in _COMMON_ERRORS.items():
                    responses.setdefault(status, {"description": text_, "content": problem_content})
        if undeclared is not None:
            undeclared(schema)
        declare_in_openapi(schema)
        declare_headers(schema)
        app.openapi_schema = schema
        return schema

    return openapi


def create_service_app(
    *,
    name: str,
    title: str,
    description: str,
    settings: ServiceSettings,
    routers: Sequence[APIRouter],
    auditor: Auditor,
    api_prefix: str | None = None,
) -> FastAPI:
    """`name` is the service's audience and path segment: /api/<name>/v1/..."""
    configure_logging(settings.log_level, settings.log_format, app=name)
    verifier = AssertionVerifier(settings.public_keys_pem(), settings.assertion_issuer, audience=name, service_keys=settings.service_keys())
    metrics = Metrics(name)
    tracing = tracer_provider(name, settings.otlp_traces_endpoint)
    service_key = settings.service_key_pem()
    signer = ServiceSigner(service_key, name) if service_key else None
    replica_models = replica_models_beside(auditor.model)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(
            settings.database_url,
            echo=settings.database_echo,
            pool_size=settings.database_pool_size,
            pool_timeout=settings.database_pool_timeout_seconds,
        )
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.read_sessionmaker = make_read_sessionmaker(engine)
        replica = gateway = None
        if replica_models is not None:
            # The suites give the app an organisation of their own (app.state.directory_source).
            source: DirectorySource | None = getattr(app.state, "directory_source", None)
            if source is None and signer is not None:
                gateway = GatewayDirectory(
                    settings.directory_url,
                    signer,
                    connect_timeout=settings.client_connect_timeout_seconds,
                    read_timeout=settings.client_read_timeout_seconds,
                    meter=metrics.upstream("gateway"),
                )
            replica = OrgUnitReplica(*replica_models, source or gateway or NO_DIRECTORY, settings.directory_sync_interval_seconds)
            app.state.org_units = replica
            await replica.start(app.state.sessionmaker)
        settle_heap()
        try:
            async with metrics_served(metrics, settings, engine), traced_while_running(engine, tracing):
                yield
        finally:
            if replica is not None:
                await replica.stop()
            if gateway is not None:
                await gateway.close()
            await engine.dispose()

    app = FastAPI(
        title=title,
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        generate_unique_id_function=operation_id,
        telemetry=NO_OPENTELEMETRY,
    )
    app.state.settings = settings
    # Signs this service's own assertions: to the directory feed and to the services it calls.
    app.state.signer = signer
    install_problem_handlers(app)
    install_pool_timeout_handler(app, settings.retry_after_seconds)
    prefix = api_prefix or f"/api/{name}/v1"
    add_operational_routes(app, metrics, settings)
    for router in [*routers, auditor.router(tag=f"{name}-audit")]:
        app.include_router(router, prefix=prefix)
    check_policies_declared(app)
    auditor.readers(app)  # each audited kind is read through an operation of this app: checked before it starts
    app.openapi = problem_openapi(app, description=description)  # type: ignore[method-assign]  # FastAPI's documented way to customise the schema
    app.add_middleware(ConditionalReads)
    app.add_middleware(IdempotencyMiddleware, records=records_beside(auditor.model), ttl_seconds=settings.idempotency_key_ttl_seconds)
    app.add_middleware(AssertionMiddleware, verifier=verifier, exempt=OPERATIONAL_PATHS)
    app.add_middleware(AdmissionControl, **admission_options(settings), exempt=OPERATIONAL_PATHS)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    install_request_tracing(app, tracing)
    return app
