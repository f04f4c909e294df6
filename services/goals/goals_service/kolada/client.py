"""A client of Kolada's read-only API (v3): KPI metadata, municipalities and their groups, and
values. Ids go at most 25 to a request; pages are followed by `next_url` until it is null; a 429
waits as long as its Retry-After asks (bounded) and tries again a bounded number of times. When
Kolada cannot be reached, does not answer in time or answers with an error, the caller gets a
503 or 504 problem naming Kolada, never a stack trace."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp
import orjson
import structlog

from goals_service.settings import GoalsSettings
from styrkedjan_common.problems import ProblemError

log = structlog.get_logger("styrkedjan.goals.kolada")

# Kolada takes at most 25 ids of one kind in a request.
MAX_IDS = 25
# A wait for a 429 without Retry-After: this many seconds, doubled each time.
FIRST_BACKOFF = 1.0


class KoladaUnavailable(ProblemError):
    """Kolada could not be reached, did not answer in time, kept refusing (rate limited) or answered with an error."""

    status = 503
    slug = "kolada-unavailable"


def chunks(ids: Iterable[str], size: int = MAX_IDS) -> list[list[str]]:
    distinct = list(dict.fromkeys(ids))
    return [distinct[start : start + size] for start in range(0, len(distinct), size)]


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


class KoladaClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout_seconds: float = 30.0,
        max_attempts: int = 4,
        max_retry_after_seconds: float = 60.0,
        per_page: int = 5000,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.max_attempts = max_attempts
        self.max_retry_after = max_retry_after_seconds
        self.per_page = per_page
        self.sleep = sleep
        self.requests = 0  # made so far (each attempt counts)

    @classmethod
    def from_settings(cls, settings: GoalsSettings) -> KoladaClient:
        return cls(
            settings.kolada_base_url,
            timeout_seconds=settings.kolada_timeout_seconds,
            max_attempts=settings.kolada_max_attempts,
            max_retry_after_seconds=settings.kolada_max_retry_after_seconds,
            per_page=settings.kolada_per_page,
        )

    async def _get(self, http: aiohttp.ClientSession, url: str, params: dict[str, str] | None) -> Any:
        for attempt in range(1, self.max_attempts + 1):
            self.requests += 1
            try:
                async with http.get(url, params=params, headers={"accept": "application/json"}) as response:
                    status, retry_after, body = response.status, response.headers.get("Retry-After"), await response.read()
            except TimeoutError as exc:
                log.warning("kolada_timeout", url=url)
                raise KoladaUnavailable("Kolada did not answer in time; try the sync again later", status=504) from exc
            except aiohttp.ClientError as exc:
                log.warning("kolada_unavailable", url=url, error=str(exc) or type(exc).__name__)
                raise KoladaUnavailable("Kolada cannot be reached; try the sync again later", headers={"Retry-After": "60"}) from exc
            if status == 429:
                wait = retry_after_seconds(retry_after)
                wait = FIRST_BACKOFF * 2 ** (attempt - 1) if wait is None else wait
                if attempt == self.max_attempts or wait > self.max_retry_after:
                    log.warning("kolada_rate_limited", url=url, attempts=attempt, retry_after=retry_after)
                    raise KoladaUnavailable(
                        f"Kolada keeps asking us to slow down (429 after {attempt} attempts); try the sync again later",
                        headers={"Retry-After": str(int(max(wait, 1)))},
                    )
                log.info("kolada_backoff", url=url, attempt=attempt, wait=wait)
                await self.sleep(wait)
                continue
            if status >= 400:
                log.warning("kolada_refused", url=url, status=status)
                raise KoladaUnavailable(f"Kolada answered {status} to {urlsplit(url).path}")
            try:
                return orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise KoladaUnavailable(f"Kolada's answer to {urlsplit(url).path} is not JSON") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def pages(self, path: str, params: dict[str, str] | None = None) -> AsyncIterator[list[Any]]:
        """The `values` of every page of one query, following `next_url` until it is null."""
        query: dict[str, str] | None = {"per_page": str(self.per_page), **(params or {})}
        url: str | None = f"{self.base_url}{path}"
        async with aiohttp.ClientSession(timeout=self.timeout, cookie_jar=aiohttp.DummyCookieJar()) as http:
            while url is not None:
                document = await self._get(http, url, query)
                if not isinstance(document, dict) or not isinstance(document.get("values"), list):
                    raise KoladaUnavailable(f"Kolada's answer to {urlsplit(url).path} is not its envelope of values")
                yield document["values"]
                next_url = document.get("next_url")
                if next_url is not None and (not isinstance(next_url, str) or urlsplit(next_url).scheme not in ("http", "https")):
                    raise KoladaUnavailable("Kolada's next_url is not an http(s) address")
                url, query = next_url, None  # next_url carries its own query

    async def _all(self, path: str, params: dict[str, str] | None = None) -> list[Any]:
        rows: list[Any] = []
        async for page in self.pages(path, params):
            rows.extend(page)
        return rows

    async def kpis(self, ids: Sequence[str]) -> list[Any]:
        """KPI metadata rows, at most 25 ids to a request."""
        rows: list[Any] = []
        for chunk in chunks(ids):
            rows.extend(await self._all(f"/kpi/{_ids(chunk)}"))
        return rows

    async def municipalities(self, ids: Sequence[str]) -> list[Any]:
        rows: list[Any] = []
        for chunk in chunks(ids):
            rows.extend(await self._all(f"/municipality/{_ids(chunk)}"))
        return rows

    async def municipality_group(self, group_id: str) -> Any:
        """One of Kolada's groups of municipalities: {"id", "title", "members": [{"id", "title"}]}."""
        rows = await self._all(f"/municipality_groups/{quote(group_id, safe='')}")
        return rows[0] if rows else None

    async def values(
        self, kpis: Sequence[str], municipalities: Sequence[str], years: Sequence[int], from_date: dt.date | None = None
    ) -> AsyncIterator[list[Any]]:
        """Pages of data rows for every combination, at most 25 ids of each kind to a request;
        with `from_date` only what changed since then, deletions included."""
        params = {"from_date": from_date.isoformat()} if from_date else None
        for kpi_chunk in chunks(kpis):
            for municipality_chunk in chunks(municipalities):
                for year_chunk in chunks([str(year) for year in years]):
                    path = f"/data/kpi/{_ids(kpi_chunk)}/municipality/{_ids(municipality_chunk)}/year/{_ids(year_chunk)}"
                    async for page in self.pages(path, params):
                        yield page


def _ids(ids: Sequence[str]) -> str:
    return ",".join(quote(value, safe="") for value in ids)
