"""A stand-in for Kolada's API (v3) on a local port: it serves the fixture files (Kolada's shapes,
synthetic values) and answers scripted statuses first when a test asks for them. It records every
request. The tests never call the real Kolada."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from goals_service.kolada.client import KoladaClient

FIXTURES = Path(__file__).parent.parent / "fixtures" / "kolada"
GROUP = {"id": "G1", "title": "Liknande kommuner", "members": [{"id": "1960", "title": "Kungsör"}, {"id": "1962", "title": "Norberg"}]}


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Scripted:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0


@dataclass
class FakeKolada:
    base_url: str = ""
    requests: list[str] = field(default_factory=list)  # path and query of every request
    script: list[Scripted] = field(default_factory=list)  # answered first, in order
    data: list[Any] = field(default_factory=lambda: [fixture("data_page1.json"), fixture("data_page2.json")])
    incremental: Any = field(default_factory=lambda: fixture("data_incremental.json"))

    def client(self, **options: Any) -> tuple[KoladaClient, list[float]]:
        """A client of this server whose back-off waits are recorded, not slept."""
        waits: list[float] = []

        async def sleep(seconds: float) -> None:
            waits.append(seconds)

        return KoladaClient(self.base_url, sleep=sleep, **options), waits

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request.path_qs)
        if self.script:
            scripted = self.script.pop(0)
            if scripted.delay:
                await asyncio.sleep(scripted.delay)
            if scripted.status != 200 or scripted.body is not None:
                return web.json_response(scripted.body or {}, status=scripted.status, headers=scripted.headers)
        parts = request.path.removeprefix("/v3/").split("/")
        if parts[0] == "kpi":
            return self._filtered(fixture("kpi_metadata.json"), parts[1].split(","))
        if parts[0] == "municipality":
            return self._filtered(fixture("municipalities.json"), parts[1].split(","))
        if parts[0] == "municipality_groups":
            return web.json_response({"count": 1, "values": [GROUP] if parts[1] == GROUP["id"] else [], "next_url": None})
        if parts[0] == "data":
            if "from_date" in request.query:
                return web.json_response(self.incremental)
            page = int(request.query.get("page", "1"))
            document = dict(self.data[page - 1])
            if document.get("next_url"):
                document["next_url"] = f"{self.base_url}/{request.path.removeprefix('/v3/')}?page={page + 1}&per_page=3"
            return web.json_response(document)
        return web.json_response({"detail": "not found"}, status=404)

    def _filtered(self, document: dict[str, Any], ids: list[str]) -> web.Response:
        rows = [row for row in document["values"] if row["id"] in ids]
        return web.json_response({"count": len(rows), "values": rows, "next_url": None})

    def paths(self, start: str) -> list[str]:
        return [r for r in self.requests if r.startswith(f"/v3/{start}")]


@asynccontextmanager
async def fake_kolada() -> AsyncIterator[FakeKolada]:
    fake = FakeKolada()
    app = web.Application()
    app.router.add_get("/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake.base_url = f"http://127.0.0.1:{port}/v3"
    try:
        yield fake
    finally:
        await runner.cleanup()
