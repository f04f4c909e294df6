"""What the gateway knows of each service: its client, its API description and its route table."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import structlog

from gateway.policy import RouteTable
from gateway.proxy.upstream import Upstream
from styrkedjan_common.identity import HEADER as ASSERTION_HEADER

log = structlog.get_logger("gateway.proxy")
RETRY_SECONDS = 2.0
DESCRIPTION_TIMEOUT = aiohttp.ClientTimeout(total=5.0)


class ServiceRegistry:
    def __init__(self, upstreams: dict[str, Upstream], assertion_for: Any) -> None:
        self.upstreams = upstreams
        self._assertion_for = assertion_for
        self.docs: dict[str, dict[str, Any]] = {}
        self.tables: dict[str, RouteTable] = {}
        self._last_attempt: dict[str, float] = {}
        self._locks = {name: asyncio.Lock() for name in upstreams}
        self.version = 0  # bumped whenever a description changes, to rebuild the merged document

    async def open(self) -> None:
        await asyncio.gather(*(self.load(name) for name in self.upstreams))

    async def close(self) -> None:
        for upstream in self.upstreams.values():
            await upstream.close()

    async def load(self, name: str) -> bool:
        """Fetch the service's OpenAPI document; at most one attempt per RETRY_SECONDS."""
        async with self._locks[name]:
            if name in self.tables:
                return True
            now = time.monotonic()
            if now - self._last_attempt.get(name, -RETRY_SECONDS) < RETRY_SECONDS:
                return False
            self._last_attempt[name] = now
            upstream = self.upstreams[name]
            try:
                async with upstream.session.get(
                    upstream.url("/openapi.json"), headers={ASSERTION_HEADER: self._assertion_for(name)}, timeout=DESCRIPTION_TIMEOUT
                ) as response:
                    if response.status != 200:
                        raise ValueError(f"the service answered {response.status}")
                    body = await response.read()
                doc = json.loads(body)
                table = RouteTable(doc)  # a document the gateway cannot read counts as no document
            except (aiohttp.ClientError, TimeoutError, ValueError, TypeError, AttributeError) as exc:
                log.warning("service_description_unavailable", service=name, error=str(exc) or type(exc).__name__)
                return False
            self.docs[name] = doc
            self.tables[name] = table
            self.version += 1
            log.info("service_description_loaded", service=name, operations=sum(len(i) for i in doc.get("paths", {}).values()))
            return True

    async def table(self, name: str) -> RouteTable | None:
        table = self.tables.get(name)
        if table is None and await self.load(name):
            table = self.tables[name]
        return table

    async def load_missing(self) -> None:
        await asyncio.gather(*(self.load(name) for name in self.upstreams if name not in self.tables))
