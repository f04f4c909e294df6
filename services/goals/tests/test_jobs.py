"""Runs of imports and syncs: seen while they run, kept with what they changed or why they were
refused, and shown only to the one who started them (and to the whole municipality's council and
the administrators)."""

import datetime as dt

import pytest
from sqlalchemy import update

from goals_service.jobs import service as jobs
from goals_service.jobs.models import Job
from styrkedjan_common.identity import Role
from styrkedjan_common.problems import InvalidInput
from styrkedjan_common.testing import principal

pytestmark = pytest.mark.asyncio

JOBS = "/api/goals/v1/jobs"


async def _run(app, user_id: str, **options):
    return await jobs.start(app.state.sessionmaker, principal(Role.ENHET, "root", "*", user_id), kind="TEST_IMPORT", **options)


async def test_a_run_is_seen_reading_then_with_its_counts(app, client, as_role):
    starter = as_role(Role.ENHET, user_id="importer")
    run = await _run(app, "importer", source="values.csv")
    await run.progress(1200)
    running = (await client.get(f"{JOBS}/{run.id}", headers=starter)).json()
    assert (running["state"], running["phase"], running["lines_read"]) == ("RUNNING", "READING", 1200)

    await run.writing()
    run.count("indicator_outcome", "created", 3)
    run.count("indicator_outcome", "unchanged")
    await run.succeeded("3 created")
    done = (await client.get(f"{JOBS}/{run.id}", headers=starter)).json()
    assert done["state"] == "SUCCEEDED" and done["phase"] == "WRITING" and done["finished_at"]
    assert done["counts"] == {"indicator_outcome": {"created": 3, "updated": 0, "unchanged": 1, "deleted": 0}}


async def test_a_refused_run_keeps_every_error_and_a_failed_one_its_cause(app, client, as_role):
    starter = as_role(Role.ENHET, user_id="importer")
    run = await _run(app, "importer")
    with pytest.raises(InvalidInput):
        async with jobs.recorded(run):
            raise InvalidInput(
                "2 lines are wrong",
                errors=[{"pointer": "#/line/3", "detail": "unknown unit"}, {"pointer": "#/line/5", "detail": "bad date"}],
            )
    refused = (await client.get(f"{JOBS}/{run.id}", headers=starter)).json()
    assert refused["state"] == "REFUSED" and refused["error_count"] == 2
    assert [e["pointer"] for e in refused["errors"]] == ["#/line/3", "#/line/5"]

    other = await _run(app, "importer")
    with pytest.raises(RuntimeError):
        async with jobs.recorded(other):
            raise RuntimeError("the disk is full")
    failed = (await client.get(f"{JOBS}/{other.id}", headers=starter)).json()
    assert failed["state"] == "FAILED" and "the disk is full" in failed["message"]


async def test_a_run_whose_process_stopped_reads_as_aborted(app, client, as_role):
    starter = as_role(Role.ENHET, user_id="importer")
    run = await _run(app, "importer")
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(update(Job).where(Job.id == run.id).values(heartbeat_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
    assert (await client.get(f"{JOBS}/{run.id}", headers=starter)).json()["state"] == "ABORTED"
    aborted = (await client.get(JOBS, params={"state": "ABORTED", "kind": "TEST_IMPORT"}, headers=starter)).json()["items"]
    assert str(run.id) in {item["id"] for item in aborted}
    running = (await client.get(JOBS, params={"state": "RUNNING", "kind": "TEST_IMPORT"}, headers=starter)).json()["items"]
    assert str(run.id) not in {item["id"] for item in running}


async def test_runs_are_shown_to_their_starter_and_to_those_who_see_the_whole_municipality(app, client, as_role):
    run = await _run(app, "starter-of-one")
    mine = as_role(Role.ENHET, user_id="starter-of-one")
    stranger = as_role(Role.NAMND, user_id="someone-else")
    assert (await client.get(f"{JOBS}/{run.id}", headers=mine)).status_code == 200
    assert (await client.get(f"{JOBS}/{run.id}", headers=stranger)).status_code == 404
    assert str(run.id) not in {item["id"] for item in (await client.get(JOBS, headers=stranger)).json()["items"]}
    for seer in (as_role(Role.ADMIN, user_id="admin-1"), as_role(Role.FULLMAKTIGE, user_id="council-1")):
        assert (await client.get(f"{JOBS}/{run.id}", headers=seer)).status_code == 200
    # The council with part of the municipality only sees its own runs.
    part = as_role(Role.FULLMAKTIGE, "some-board", ["some-board"], user_id="council-2")
    assert (await client.get(f"{JOBS}/{run.id}", headers=part)).status_code == 404


async def test_the_list_pages_newest_first(app, client, as_role):
    starter = as_role(Role.ENHET, user_id="pager")
    ids = [str((await _run(app, "pager")).id) for _ in range(3)]
    first = (await client.get(JOBS, params={"limit": 2}, headers=starter)).json()
    second = (await client.get(JOBS, params={"limit": 2, "cursor": first["next_cursor"]}, headers=starter)).json()
    assert [item["id"] for item in first["items"] + second["items"]] == ids[::-1]
