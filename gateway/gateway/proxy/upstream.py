"""A service's client: an aiohttp session over a pool of kept-alive connections to that service alone.

One session per service, so that a slow or dead service fills only its own pool. The settings make
the session a faithful hop rather than a browser: the path and query go out as the client sent
them (already encoded), aiohttp adds no header of its own that would change what the request asks
for (User-Agent, Accept, Accept-Encoding, a default Content-Type), keeps no cookies, and leaves
the response's bytes as the service sent them (no decompression). Redirects are the client's to
follow: the proxy asks for none.

When a kept-alive connection turns out closed as it is reused (the service dropped it, restarted
or died), aiohttp sends an idempotent request whose body has not gone out (GET, HEAD, OPTIONS,
DELETE, ...) once more on another connection (RFC 9112, 9.3.1); a POST is never sent twice.
"""

from __future__ import annotations

import aiohttp
from yarl import URL

from styrkedjan_common.metrics import UpstreamMeter

# Idle connections are dropped before the services drop them (uvicorn: --timeout-keep-alive 75
# in the images and the run command), so a reused connection is rarely a closed one.
KEEPALIVE_SECONDS = 15.0
# Headers aiohttp would otherwise add: the service sees only what the client sent.
NOT_ADDED = frozenset({"User-Agent", "Accept", "Accept-Encoding", "Content-Type"})


class Upstream:
    """One service: its name (in problems and logs), its base URL and its session."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        connect_timeout: float,
        read_timeout: float,
        max_connections: int,
        meter: UpstreamMeter,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
    ) -> None:
        url = URL(base_url.rstrip("/"))
        if url.scheme not in ("http", "https") or not url.host or url.query_string or url.fragment:
            raise ValueError(f"the {name} service URL must be http(s)://host[:port][/path]: {base_url}")
        self.name = name
        self.base_url = str(url)
        self.meter = meter
        # Created in the running loop (the gateway's lifespan), closed by `close`.
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=max_connections, limit_per_host=0, keepalive_timeout=keepalive_seconds),
            # sock_read bounds each wait for the service, not the whole exchange: a long body that
            # keeps coming, or a client that reads slowly, is not cut off.
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout, sock_read=read_timeout),
            skip_auto_headers=NOT_ADDED,
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    def url(self, target: str) -> URL:
        """The service's URL for `target`, a path and query as sent on the wire (already encoded)."""
        return URL(self.base_url + target, encoded=True)

    async def close(self) -> None:
        await self.session.close()
