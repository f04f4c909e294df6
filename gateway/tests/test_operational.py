"""What operators and load balancers rely on: health, metrics, request ids, the API description."""

import asyncio
import re

import httpx
import pytest

from gateway.main import create_app
from tools.stack import free_port

REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.mark.parametrize("path", ["/livez", "/readyz", "/metrics", "/openapi.json", "/docs"])
async def test_operational_endpoints_need_no_token(client, path):
    assert (await client.get(path)).status_code == 200


async def test_readiness_checks_the_database(client):
    assert (await client.get("/readyz")).json() == {"status": "ready"}


async def test_metrics_count_requests_by_route_template(client, as_user, unit_id):
    for short in ("BUN", "SN"):
        assert (await client.get(f"/api/directory/v1/org-units/{unit_id(short)}", headers=as_user("kf.demo"))).status_code == 200
    metrics = (await client.get("/metrics")).text
    assert 'route="/api/directory/v1/org-units/{unit_id}",status="200"' in metrics
    assert unit_id("BUN") not in metrics


async def test_a_request_id_is_echoed(client, as_user):
    response = await client.get("/api/me", headers=as_user("kf.demo") | {"X-Request-ID": "kommun-4711"})
    assert response.headers["x-request-id"] == "kommun-4711"


async def test_a_request_id_is_generated_when_absent(client, as_user):
    first, second = [await client.get("/api/me", headers=as_user("kf.demo")) for _ in range(2)]
    assert REQUEST_ID.match(first.headers["x-request-id"]) and REQUEST_ID.match(second.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_a_malformed_request_id_is_replaced(client, as_user):
    response = await client.get("/api/me", headers=as_user("kf.demo") | {"X-Request-ID": "<script>alert(1)</script>"})
    assert REQUEST_ID.match(response.headers["x-request-id"])


@pytest.mark.parametrize(
    ("method", "path", "status", "signed_in"),
    [
        ("GET", "/api/me", 401, False),  # refused before routing
        ("GET", "/api/directory/v1/users", 403, True),  # refused by the role policy
        ("GET", "/api/directory/v1/org-units/00000000-0000-0000-0000-000000000000", 404, True),
        ("GET", "/api/directory/v1/org-units?limit=0", 422, True),
        ("POST", "/api/auth/dev-token", 422, False),
        ("GET", "/api/goals/v1/visions", 503, True),  # the service is down
    ],
    ids=["401", "403", "404", "422", "dev-token-422", "503"],
)
async def test_errors_carry_the_request_id_in_header_and_body(client, as_user, problem, method, path, status, signed_in):
    headers = (as_user("kf.demo") if signed_in else {}) | {"X-Request-ID": "fel-123"}
    response = await client.request(method, path, headers=headers)
    body = problem(response, status)
    assert response.headers["x-request-id"] == "fel-123"
    assert body["request_id"] == "fel-123"


async def test_a_service_that_is_down_is_a_503_problem_with_retry_after(client, as_user, problem):
    response = await client.get("/api/goals/v1/visions", headers=as_user("kf.demo"))
    body = problem(response, 503)
    assert response.headers["retry-after"] == "5"
    assert "goals" in body["detail"]


async def test_a_service_path_still_needs_a_token(client, problem):
    problem(await client.get("/api/goals/v1/visions"), 401)


async def test_the_api_description_lists_the_directory_with_its_roles(client):
    document = (await client.get("/openapi.json")).json()
    assert document["info"]["title"] == "Styrkedjan API"
    create_unit = document["paths"]["/api/directory/v1/org-units"]["post"]
    assert create_unit["x-roles"] == ["admin"]
    assert create_unit["operationId"] == "directory-create-org-unit"
    operations = [op for item in document["paths"].values() for op in item.values()]
    # Each declares its callers: roles, or (the feed) the services only; the development token
    # endpoint (on in these tests) is open to anyone.
    guarded = [op for op in operations if op.get("security") != []]
    assert guarded and all(op.get("x-roles") or op.get("x-services") for op in guarded)
    assert [op["operationId"] for op in operations if op not in guarded] == ["auth-mint-dev-token"]


async def test_the_lifespan_runs_through_the_whole_middleware_stack(make_settings):
    """An ASGI server sends lifespan events to the outermost app; every layer must pass them on."""
    app = create_app(make_settings())
    to_app: asyncio.Queue = asyncio.Queue()
    from_app: list[str] = []

    async def send(message):
        from_app.append(message["type"])

    await to_app.put({"type": "lifespan.startup"})
    await to_app.put({"type": "lifespan.shutdown"})
    await asyncio.wait_for(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, to_app.get, send), timeout=10)
    assert from_app == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def _sample(metrics: str, name: str) -> float:
    """The value of one sample, `name` with its labels as Prometheus writes them."""
    [line] = [line for line in metrics.splitlines() if line.startswith(name + " ")]
    return float(line.split()[-1])


async def test_metrics_show_the_database_pool_and_the_process(client, gateway):
    metrics = (await client.get("/metrics")).text
    assert _sample(metrics, 'db_pool_size{app="gateway"}') == gateway.settings.database_pool_size
    assert _sample(metrics, 'db_pool_waiting{app="gateway"}') == 0
    assert _sample(metrics, 'db_pool_connections{app="gateway",state="in_use"}') >= 0
    assert _sample(metrics, "process_resident_memory_bytes") > 0


async def test_metrics_count_the_calls_a_service_did_not_answer(client, as_user):
    # The test gateway's services do not run: the call finds no one.
    response = await client.get("/api/budget/v1/budgets", headers=as_user("kf.demo"))
    assert response.status_code == 503
    metrics = (await client.get("/metrics")).text
    assert _sample(metrics, 'upstream_errors_total{app="gateway",kind="unavailable",service="budget"}') == 1


async def test_metrics_on_a_port_of_their_own_are_not_on_the_public_port(start_gateway):
    port = free_port()
    async with start_gateway(metrics_port=port, metrics_host="127.0.0.1") as (_, client):
        assert (await client.get("/metrics")).status_code == 404
        async with httpx.AsyncClient() as scraper:
            scraped = await scraper.get(f"http://127.0.0.1:{port}/metrics")
        assert scraped.status_code == 200 and "db_pool_size" in scraped.text


async def test_a_large_answer_is_compressed_for_a_client_that_accepts_gzip(client):
    compressed = await client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["content-encoding"] == "gzip" and compressed.json()["openapi"].startswith("3.1")
    plain = await client.get("/openapi.json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == compressed.json()


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_api_docs_load_nothing_from_outside_the_gateway(client, page):
    html = (await client.get(page)).text
    assert "/openapi.json" in html
    # Every script, style and icon the page loads is the gateway's own: it works on a closed network.
    loaded = re.findall(r"""(?:src|href)=["']([^"']+)""", html) + re.findall(r"url: ?'([^']+)'", html)
    assert loaded and not [url for url in loaded if url.startswith(("http:", "https:", "//"))]
    for url in loaded:
        assert (await client.get(url)).status_code == 200, url
