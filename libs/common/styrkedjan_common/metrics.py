"""An app's Prometheus metrics: its requests by route, its calls to the services behind it, its
database pool and its process. Served at /metrics on the app's port, or, when the app's
`metrics_port` is set, on a listener of their own (off the public port)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class UpstreamMeter:
    """The calls of one app to one service: how long until the answer began, and the failures
    (`unavailable`: no connection; `timeout`: no answer in time; `error`: no valid answer)."""

    def __init__(self, latency: Any, errors: Counter, app: str, service: str) -> None:
        self._latency = latency
        self._errors = errors
        self._labels = (app, service)

    def answered(self, started: float) -> None:
        self._latency.observe(time.perf_counter() - started)

    def failed(self, kind: str) -> None:
        self._errors.labels(*self._labels, kind).inc()


class _PoolCollector(Collector):
    """The database pool as it is at the scrape: connections in use and idle, its size, and the
    requests waiting for a connection (WatchedPool counts them)."""

    def __init__(self, app: str, engine: AsyncEngine) -> None:
        self.app = app
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool: Any = self.engine.sync_engine.pool  # read at each scrape: dispose() replaces it
        connections = GaugeMetricFamily("db_pool_connections", "Database connections of the pool, by state", labels=["app", "state"])
        connections.add_metric([self.app, "in_use"], pool.checkedout())
        connections.add_metric([self.app, "idle"], pool.checkedin())
        yield connections
        yield _gauge("db_pool_size", "The most connections the pool holds", self.app, pool.size())
        yield _gauge("db_pool_waiting", "Requests waiting for a database connection", self.app, getattr(pool, "waiting", 0))


def _gauge(name: str, documentation: str, app: str, value: float) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(name, documentation, labels=["app"])
    gauge.add_metric([app], value)
    return gauge


class Metrics:
    def __init__(self, app_name: str) -> None:
        self.app_name = app_name
        self.registry = CollectorRegistry()
        # The process's CPU, memory, open files and start time (process_*).
        ProcessCollector(registry=self.registry)
        self.requests = Counter("http_requests_total", "HTTP requests", ["app", "method", "route", "status"], registry=self.registry)
        self.latency = Histogram(
            "http_request_duration_seconds", "HTTP request latency", ["app", "method", "route"], registry=self.registry, buckets=BUCKETS
        )
        self.upstream_latency = Histogram(
            "upstream_request_duration_seconds",
            "Calls to another service: the time until its answer began",
            ["app", "service"],
            registry=self.registry,
            buckets=BUCKETS,
        )
        self.upstream_errors = Counter(
            "upstream_errors_total",
            "Calls to another service that got no valid answer, by kind",
            ["app", "service", "kind"],
            registry=self.registry,
        )
        self.pool_timeouts = Counter(
            "db_pool_timeouts_total", "Requests refused because no database connection came free in time", ["app"], registry=self.registry
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._pool: _PoolCollector | None = None

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Label lookups are cached: they cost more than the observation itself."""
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.requests.labels(self.app_name, method, route, str(status)),
                self.latency.labels(self.app_name, method, route),
            )
        children[0].inc()
        children[1].observe(seconds)

    def upstream(self, service: str) -> UpstreamMeter:
        return UpstreamMeter(self.upstream_latency.labels(self.app_name, service), self.upstream_errors, self.app_name, service)

    def watch_pool(self, engine: AsyncEngine) -> None:
        """The pool of `engine`, from now on (an app started again brings a new engine)."""
        if self._pool is None:
            self._pool = _PoolCollector(self.app_name, engine)
            self.registry.register(self._pool)
        self._pool.engine = engine

    def serve(self, port: int, host: str) -> Any:
        """The metrics on a listener of their own (a thread); the server, to shut down at the end."""
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        return server
