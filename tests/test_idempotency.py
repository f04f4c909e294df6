"""Idempotency-Key through the gateway: the key goes on to the service, a retry gets the first answer,
and a POST the gateway gave up on (504) while the service went on is not made twice by its retry.

The 504 test starts a second gateway with a one-second read timeout in front of the real services
and holds the goals database's writes (SQLite: its write lock; PostgreSQL: a lock on the assignment
table) so that the creating request waits past the timeout and commits after the client gave up.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from styrkedjan_common.db import connect_asyncpg
from styrkedjan_common.idempotency import records_beside
from tools.stack import GATEWAY, free_port, stop

ASSIGNMENTS = "/api/goals/v1/assignments"
READ_TIMEOUT_SECONDS = 1
WAIT_SECONDS = 20.0


def assignment(board: str, title: str) -> dict[str, Any]:
    return {"board_org_unit_id": board, "year": 2027, "title": title, "text": "Nämnden får i uppdrag att utreda och återrapportera."}


def board_of(system: Any) -> str:
    with system.client("namnd.demo") as board:
        [held] = board.get("/api/me").json()["assignments"]
    return str(held["org_unit_id"])


def titled(http: httpx.Client, board: str, title: str) -> list[dict[str, Any]]:
    response = http.get(ASSIGNMENTS, params={"board_org_unit_id": board, "limit": 200})
    assert response.status_code == 200, response.text
    return [item for item in response.json()["items"] if item["title"] == title]


@contextmanager
def goals_writes_held(system: Any) -> Iterator[None]:
    """Creating an assignment waits until the block is left."""
    url = system.stack.database_urls["goals"]
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.split("///", 1)[1], isolation_level=None, timeout=WAIT_SECONDS)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    locked, release = threading.Event(), threading.Event()

    async def hold() -> None:
        connection = await connect_asyncpg(url)
        try:
            async with connection.transaction():
                await connection.execute("LOCK TABLE assignment IN EXCLUSIVE MODE")  # reads go on, inserts wait
                locked.set()
                while not release.is_set():
                    await asyncio.sleep(0.02)
        finally:
            await connection.close()

    holder = threading.Thread(target=lambda: asyncio.run(hold()), daemon=True)
    holder.start()
    assert locked.wait(WAIT_SECONDS), "the assignment table could not be locked"
    try:
        yield
    finally:
        release.set()
        holder.join(WAIT_SECONDS)


@pytest.fixture(scope="module")
def impatient_gateway(system: Any) -> Iterator[str]:
    """A second gateway in front of the same services that waits one second for an answer."""
    stack = dataclasses.replace(
        system.stack,
        ports={**system.stack.ports, "gateway": free_port()},
        extra_env={"gateway": {"GATEWAY_UPSTREAM_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT_SECONDS)}},
    )
    process = stack.start(GATEWAY, log_file=system.log_dir / "gateway-impatient.log")
    try:
        stack.wait_live(GATEWAY, process=process)
        yield stack.url("gateway")
    finally:
        stop(process)


def test_a_retry_through_the_gateway_gets_the_services_first_answer(system: Any, kf: httpx.Client) -> None:
    board, title = board_of(system), f"Utred fritidsgårdarna {uuid.uuid4()}"
    keyed = {"Idempotency-Key": str(uuid.uuid4())}
    first = kf.post(ASSIGNMENTS, json=assignment(board, title), headers=keyed)
    again = kf.post(ASSIGNMENTS, json=assignment(board, title), headers=keyed)
    assert first.status_code == 201, first.text
    assert (again.status_code, again.json(), again.headers["idempotent-replayed"]) == (201, first.json(), "true")
    assert (again.headers["location"], again.headers["etag"]) == (first.headers["location"], first.headers["etag"])
    refused = kf.post(ASSIGNMENTS, json=assignment(board, title + " (ändrad)"), headers=keyed)
    assert refused.status_code == 422 and refused.json()["errors"][0]["pointer"] == "#/header/Idempotency-Key"
    assert len(titled(kf, board, title)) == 1 and titled(kf, board, title + " (ändrad)") == []


def test_a_post_the_gateway_gave_up_on_commits_later_and_its_retry_gets_that_answer(
    system: Any, kf: httpx.Client, impatient_gateway: str
) -> None:
    board, title = board_of(system), f"Utred simhallen {uuid.uuid4()}"
    keyed = {"Authorization": f"Bearer {system.tokens['kf.demo']}", "Idempotency-Key": str(uuid.uuid4())}
    with httpx.Client(base_url=impatient_gateway, headers=keyed, timeout=WAIT_SECONDS) as impatient:
        with goals_writes_held(system):
            gave_up = impatient.post(ASSIGNMENTS, json=assignment(board, title))
            assert gave_up.status_code == 504, gave_up.text
            assert titled(kf, board, title) == []
        # The service goes on once the database lets it: the assignment is committed after the client gave up.
        deadline = time.monotonic() + WAIT_SECONDS
        while not titled(kf, board, title):
            assert time.monotonic() < deadline, "the request the gateway gave up on never committed"
            time.sleep(0.05)
        retried = impatient.post(ASSIGNMENTS, json=assignment(board, title))
    assert (retried.status_code, retried.headers.get("idempotent-replayed")) == (201, "true"), retried.text
    [created] = titled(kf, board, title)
    assert retried.json() == created and retried.headers["location"] == f"{ASSIGNMENTS}/{created['id']}"


def test_the_merged_document_declares_the_key_on_every_post(openapi: dict[str, Any]) -> None:
    posts = {path: item["post"] for path, item in openapi["paths"].items() if "post" in item}
    assert {path.split("/")[2] for path in posts} >= {"goals", "budget", "internal-control", "directory"}
    for path, operation in posts.items():
        assert "Idempotency-Key" in [parameter["name"] for parameter in operation.get("parameters", [])], path


@pytest.mark.parametrize("app", ["goals_service", "budget_service", "followup_service", "internal_control_service"])
def test_every_service_keeps_its_keys_in_its_own_database(app: str) -> None:
    db = importlib.import_module(f"{app}.db")
    assert records_beside(db.auditor.model) is db.IdempotencyRecord
