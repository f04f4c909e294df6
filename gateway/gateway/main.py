"""The gateway app: authentication, route policy, proxy, directory API and the merged OpenAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from opentelemetry.sdk.trace import TracerProvider
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from gateway import openapi
from gateway.auth.principals import PrincipalResolver
from gateway.auth.tokens import DevIssuer, TokenVerifier
from gateway.authentication import DIRECTORY_AUDIENCE, AuthenticationMiddleware
from gateway.db import IdempotencyRecord, auditor
from gateway.dev_tokens import declare_in_openapi as declare_dev_token
from gateway.dev_tokens import dev_token_route
from gateway.directory.clients import router as clients_router
from gateway.directory.router import me_router
from gateway.directory.router import router as directory_router
from gateway.labels import router as labels_router
from gateway.proxy.forward import forward
from gateway.proxy.registry import ServiceRegistry
from gateway.proxy.upstream import Upstream
from gateway.settings import GatewaySettings, get_settings
from styrkedjan_common.app import (
    NO_OPENTELEMETRY,
    OPERATIONAL_PATHS,
    add_operational_routes,
    metrics_served,
    operation_id,
    problem_openapi,
    settle_heap,
)
from styrkedjan_common.conditional import ConditionalReads
from styrkedjan_common.context import request_id_var
from styrkedjan_common.db import create_engine, make_read_sessionmaker, make_sessionmaker
from styrkedjan_common.idempotency import IdempotencyMiddleware
from styrkedjan_common.identity import AssertionSigner, AssertionVerifier, Principal
from styrkedjan_common.logging import configure_logging
from styrkedjan_common.metrics import Metrics
from styrkedjan_common.middleware import RequestContextMiddleware
from styrkedjan_common.overload import AdmissionControl, admission_options, install_pool_timeout_handler
from styrkedjan_common.problems import install_problem_handlers, send_problem
from styrkedjan_common.security import ROLE_REFUSAL, check_policies_declared, refusal
from styrkedjan_common.tracing import trace_requests, traced_while_running, tracer_provider

DEV_TOKEN_PATH = "/api/auth/dev-token"
# Swagger UI's and ReDoc's scripts at the versions fastapi-offline ships (pinned in constraints.txt).
DOCS_ASSETS = "/docs/assets"
# Smaller answers go as they are: compressing them saves less than it costs.
GZIP_MINIMUM_BYTES = 1024


class Runtime:
    """What the lifespan builds and the pure-ASGI layers use."""

    verifier: TokenVerifier
    resolver: PrincipalResolver
    services: ServiceRegistry
    merged: tuple[int, dict[str, Any]] | None = None
    # Spans exported to the collector the settings name; None: tracing is off.
    tracing: TracerProvider | None = None


class GatewayRouter:
    """`/api/<service>/...` goes to that service; everything else to the gateway's own API."""

    def __init__(self, api: FastAPI, runtime: Runtime) -> None:
        self.api = api
        self.runtime = runtime

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            name = scope["path"][5:].split("/", 1)[0]
            if name in self.runtime.services.upstreams:
                await self.proxy(scope, receive, send, name)
                return
        await self.api(scope, receive, send)

    async def proxy(self, scope: dict[str, Any], receive: Any, send: Any, name: str) -> None:
        path = scope["path"]
        table = await self.runtime.services.table(name)
        if table is None:  # its API description could not be read: it does not answer
            self.runtime.services.upstreams[name].meter.failed("unavailable")
            await send_problem(send, 503, f"the {name} service is unavailable", "upstream-unavailable", path, [(b"retry-after", b"5")])
            return
        operations = table.match(path)
        if operations is None:
            await send_problem(send, 404, f"the {name} service has no operation at this path", "not-found", path)
            return
        operation = operations.get(scope["method"])
        if operation is None:
            allow = ", ".join(sorted(operations)).encode()
            await send_problem(send, 405, f"allowed methods: {allow.decode()}", "method-not-allowed", path, [(b"allow", allow)])
            return
        scope["route_template"] = operation.template
        principal: Principal = scope["state"]["principal"]
        if principal.service is not None:
            # Authentication never lets one through here; a service calls another service directly.
            await send_problem(send, 403, "a service calls other services directly, not through the gateway", ROLE_REFUSAL, path)
            return
        if not operation.roles and not operation.services:
            await send_problem(send, 403, "this operation declares no role policy and is refused", ROLE_REFUSAL, path)
            return
        if not operation.allows(principal):
            await send_problem(send, 403, refusal(principal, operation.roles, operation.services), ROLE_REFUSAL, path)
            return
        assertion = self.runtime.resolver.assertion(scope["state"]["caller"], name)
        upstream = self.runtime.services.upstreams[name]
        await forward(scope, receive, send, upstream, assertion, request_id_var.get() or "", traced=self.runtime.tracing is not None)


def service_verifier(settings: GatewaySettings) -> AssertionVerifier | None:
    """Verifies the assertions the services sign for the directory with their own keys; None
    when no service's key is configured, and then no service is admitted."""
    keys = settings.service_keys()
    if not keys:
        return None
    return AssertionVerifier(None, settings.assertion_issuer, DIRECTORY_AUDIENCE, service_keys=keys)


def create_app(settings: GatewaySettings | None = None) -> Any:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format, app="gateway")
    runtime = Runtime()
    signer = AssertionSigner(settings.assertion_key_pem(), settings.assertion_issuer, settings.assertion_ttl_seconds)
    metrics = Metrics("gateway")
    runtime.tracing = tracer_provider("gateway", settings.otlp_traces_endpoint)

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
        runtime.resolver = app.state.resolver = PrincipalResolver(app.state.read_sessionmaker, signer, settings.principal_cache_seconds)
        runtime.verifier = TokenVerifier(settings)
        http = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        runtime.verifier.attach_http(http)
        upstreams = {
            name: Upstream(
                name,
                url,
                connect_timeout=settings.upstream_connect_timeout_seconds,
                read_timeout=settings.upstream_read_timeout_seconds,
                max_connections=settings.upstream_max_connections,
                meter=metrics.upstream(name),
            )
            for name, url in settings.service_urls().items()
        }
        runtime.services = ServiceRegistry(upstreams, runtime.resolver.system_assertion)
        await runtime.services.open()
        settle_heap()
        try:
            async with metrics_served(metrics, settings, engine), traced_while_running(engine, runtime.tracing):
                yield
        finally:
            await runtime.services.close()
            await http.close()
            await engine.dispose()

    api = FastAPI(
        title="Styrkedjan gateway",
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        generate_unique_id_function=operation_id,
        telemetry=NO_OPENTELEMETRY,
    )
    api.state.settings = settings
    install_problem_handlers(api)
    install_pool_timeout_handler(api, settings.retry_after_seconds)
    api.include_router(me_router)
    api.include_router(directory_router)
    api.include_router(clients_router)
    api.include_router(labels_router)
    api.include_router(auditor.router(tag="directory-audit"), prefix="/api/directory/v1")
    check_policies_declared(api)
    auditor.readers(api)  # each audited kind is read through an operation of the directory: checked before it starts
    # The directory's own POSTs keep their keys here; a service's keys are kept by the service.
    api.add_middleware(ConditionalReads)
    api.add_middleware(IdempotencyMiddleware, records=IdempotencyRecord, ttl_seconds=settings.idempotency_key_ttl_seconds)
    if settings.dev_issuer_enabled:
        api.add_route(DEV_TOKEN_PATH, dev_token_route(DevIssuer(settings)), methods=["POST"], include_in_schema=False)
    # The gateway's own part of the document, whoever asks for it first (the merge or api.openapi()):
    # its routes, and the development token endpoint while it is on.
    gateway_openapi = problem_openapi(
        api, undeclared=(lambda schema: declare_dev_token(schema, DEV_TOKEN_PATH)) if settings.dev_issuer_enabled else None
    )
    api.openapi = gateway_openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise the schema

    async def merged_openapi(_request: Request) -> Response:
        await runtime.services.load_missing()
        if runtime.merged is None or runtime.merged[0] != runtime.services.version:
            runtime.merged = (runtime.services.version, openapi.merge(gateway_openapi(), runtime.services.docs))
        return JSONResponse(runtime.merged[1])

    async def docs(_request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Styrkedjan API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
        )

    async def redoc(_request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title="Styrkedjan API",
            redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{DOCS_ASSETS}/favicon.png",
            with_google_fonts=False,
        )

    api.add_route("/openapi.json", merged_openapi, methods=["GET"], include_in_schema=False)
    api.add_route("/docs", docs, methods=["GET"], include_in_schema=False)
    api.add_route("/redoc", redoc, methods=["GET"], include_in_schema=False)
    # The pages' scripts and styles from the gateway itself: the docs work on a closed network.
    api.mount(DOCS_ASSETS, StaticFiles(directory=Path(fastapi_offline.__file__).parent / "static"), name="docs-assets")
    add_operational_routes(api, metrics, settings)

    app: Any = GatewayRouter(api, runtime)
    app = AuthenticationMiddleware(
        app, runtime, exempt=frozenset({DEV_TOKEN_PATH}), proxied=frozenset(settings.service_urls()), services=service_verifier(settings)
    )
    services = {f"/api/{name}/": settings.upstream_max_concurrent_requests for name in settings.service_urls()}
    app = AdmissionControl(app, **admission_options(settings), exempt=OPERATIONAL_PATHS, bounds=services)
    app = RequestContextMiddleware(app, metrics)
    app = trace_requests(app, runtime.tracing)
    # Large answers (the thread, lists, exports) compressed for clients that accept gzip; level 5
    # gives most of the saving at a fraction of level 9's time.
    app = GZipMiddleware(app, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=5)
    if settings.cors_allow_origins:
        app = CORSMiddleware(
            app,
            allow_origins=settings.cors_allow_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "If-None-Match",
                "Idempotency-Key",
                "X-Request-ID",
                "traceparent",
                "tracestate",
            ],
            expose_headers=["ETag", "Location", "X-Request-ID", "Idempotent-Replayed", "Retry-After"],
        )
    return app
