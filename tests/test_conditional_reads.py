"""Through the gateway: a screen's read that is no single record (the thread) answers 304 while it
is unchanged, and large answers come compressed to a client that accepts gzip."""

from __future__ import annotations

from typing import Any


def test_the_thread_is_answered_304_while_unchanged_and_compressed_when_asked(system: Any) -> None:
    with system.client("kf.demo") as kf:
        first = kf.get("/api/goals/v1/thread", params={"year": 2031}, headers={"Accept-Encoding": "gzip"})
        assert first.status_code == 200, first.text
        assert first.headers["etag"].startswith('W/"')
        again = kf.get("/api/goals/v1/thread", params={"year": 2031}, headers={"If-None-Match": first.headers["etag"]})
        assert (again.status_code, again.content) == (304, b"")
        listed = kf.get("/api/directory/v1/org-units", params={"limit": 200}, headers={"Accept-Encoding": "gzip"})
        assert listed.headers["content-encoding"] == "gzip" and listed.json()["items"]
