"""A service that just died is a 503 with Retry-After on the very next request, GET or POST.

The gateway keeps connections to a service alive between requests. When the service's process is
killed, the next request meets such a connection closed: aiohttp sends a GET once more on a new
connection, which is refused, but never a POST twice, and that one failed with a 502 as if the
service had answered wrongly. Nothing came back from the service in either case, so both are the
service being unavailable. A broken answer stays a 502."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from gateway.tests.test_proxy_retry import _call
from styrkedjan_common.problems import PROBLEM_MEDIA_TYPE
from tools.stack import free_port

SERVICE = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b"{}"})
"""


@pytest.fixture
def service_process(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A real uvicorn process serving a tiny app, killed at the end if the test has not killed it."""
    (tmp_path / "tiny_service.py").write_text(SERVICE)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "tiny_service:app",
        "--port",
        str(port),
        "--timeout-keep-alive",
        "75",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            httpx.get(url, timeout=1)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline and process.poll() is None, "the service did not start"
            time.sleep(0.05)
    yield url, process
    if process.poll() is None:
        process.kill()
    process.wait()


def _problem(sent: list[dict[str, Any]]) -> tuple[int, dict[bytes, bytes], dict[str, Any]]:
    headers = dict(sent[0]["headers"])
    assert headers[b"content-type"] == PROBLEM_MEDIA_TYPE.encode()
    return sent[0]["status"], headers, orjson.loads(sent[1]["body"])


@pytest.mark.parametrize(("method", "body"), [("GET", b""), ("POST", b'{"name": "x"}'), ("PUT", b'{"name": "x"}')])
async def test_a_service_killed_between_two_requests_is_a_503_with_retry_after(service_process, make_upstream, method, body):
    url, process = service_process
    upstream = make_upstream(url)
    first = await _call(upstream, method, body=body)
    assert first[0]["status"] == 200  # the connection is now kept alive
    process.send_signal(signal.SIGKILL)
    process.wait()
    status, headers, problem = _problem(await _call(upstream, method, body=body))
    assert (status, problem["type"], problem["status"]) == (503, "urn:styrkedjan:problem:upstream-unavailable", 503)
    assert headers[b"retry-after"] == b"5" and "budget" in problem["detail"]
