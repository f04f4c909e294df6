"""A board's report is proposed and decided; the decided document reads back byte for byte with
its hash whatever happens to the other services; a refresh without them stores nothing."""

import pytest

from services.followup.tests.support.reports import (
    API,
    BOARD,
    GOAL,
    add_occasion,
    create_report,
    stored,
    with_live_goals,
)
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem

pytest_plugins = ("services.followup.tests.support.callees",)

DECISION = {"body": "Barn- och utbildningsnämnden", "decision_date": "2027-09-20", "reference": "BUN § 71/2027"}


@pytest.mark.usefixtures("live_callees")
async def test_a_board_decides_and_the_document_reads_back_identical_without_the_other_services(client, app, as_role):
    occasion_id = await add_occasion(app, "FORECAST")
    report = (await create_report(client, as_role(Role.NAMND), occasion_id, BOARD)).json()
    path = f"{API}/reports/{report['id']}"
    tag = (await client.get(path, headers=as_role(Role.NAMND))).headers["ETag"]
    tag = (
        await client.put(
            f"{path}/sections/important_events", json={"text": "Budget i balans."}, headers=as_role(Role.NAMND) | {"If-Match": tag}
        )
    ).headers["ETag"]
    proposed = await client.post(f"{path}/transitions", json={"transition": "PROPOSE"}, headers=as_role(Role.NAMND) | {"If-Match": tag})
    assert proposed.status_code == 200, proposed.text
    decided = await client.post(
        f"{path}/transitions",
        json={"transition": "DECIDE", "decision": DECISION},
        headers=as_role(Role.NAMND) | {"If-Match": proposed.headers["ETag"]},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "DECIDED" and decided.json()["decision"]["reference"] == "BUN § 71/2027"
    first = await client.get(f"{path}/document", headers=as_role(Role.ENHET))
    # The other services go away: reading the decided report calls none of them.
    app.state.callees = None
    again = await client.get(f"{path}/document", headers=as_role(Role.ENHET))
    assert again.status_code == 200 and again.content == first.content
    assert again.headers["X-Document-Hash"] == decided.json()["document_hash"]
    assert again.json()["report"]["decision"]["reference"] == "BUN § 71/2027"


async def test_a_refresh_without_the_other_services_is_a_503_and_stores_nothing(client, app, as_role):
    occasion_id = await add_occasion(app)
    report = (await create_report(client, as_role(Role.NAMND), occasion_id, BOARD)).json()
    await with_live_goals(app, report["id"], GOAL)
    saved = getattr(app.state, "callees", None)
    app.state.callees = None
    try:
        before = await stored(app)
        assert_problem(await client.post(f"{API}/reports/{report['id']}/refresh", headers=as_role(Role.NAMND)), 503)
        assert await stored(app) == before
        read = (await client.get(f"{API}/reports/{report['id']}", headers=as_role(Role.NAMND))).json()
        assert read["live_taken_at"] is None
    finally:
        app.state.callees = saved


@pytest.mark.usefixtures("live_callees")
async def test_a_change_after_the_decision_is_a_new_revision_that_archives_the_old_when_decided(client, app, as_role):
    occasion_id = await add_occasion(app, "FORECAST")
    report = (await create_report(client, as_role(Role.NAMND), occasion_id, BOARD)).json()
    path = f"{API}/reports/{report['id']}"
    tag = (await client.get(path, headers=as_role(Role.NAMND))).headers["ETag"]
    tag = (
        await client.put(f"{path}/sections/important_events", json={"text": "Text."}, headers=as_role(Role.NAMND) | {"If-Match": tag})
    ).headers["ETag"]
    tag = (
        await client.post(f"{path}/transitions", json={"transition": "PROPOSE"}, headers=as_role(Role.NAMND) | {"If-Match": tag})
    ).headers["ETag"]
    await client.post(
        f"{path}/transitions", json={"transition": "DECIDE", "decision": DECISION}, headers=as_role(Role.NAMND) | {"If-Match": tag}
    )
    revision = await client.post(f"{path}/revisions", headers=as_role(Role.NAMND))
    assert revision.status_code == 201, revision.text
    assert (revision.json()["revision"], revision.json()["replaces_id"]) == (2, report["id"])
    assert revision.json()["sections"] == [{"heading": "important_events", "text": "Text."}]
    before = await stored(app)
    assert_problem(await client.post(f"{path}/revisions", headers=as_role(Role.NAMND)), 409, "one report per org unit and occasion")
    assert await stored(app) == before
    new = f"{API}/reports/{revision.json()['id']}"
    tag = (
        await client.post(
            f"{new}/transitions", json={"transition": "PROPOSE"}, headers=as_role(Role.NAMND) | {"If-Match": revision.headers["ETag"]}
        )
    ).headers["ETag"]
    decided = await client.post(
        f"{new}/transitions", json={"transition": "DECIDE", "decision": DECISION}, headers=as_role(Role.NAMND) | {"If-Match": tag}
    )
    assert decided.status_code == 200, decided.text
    assert (await client.get(path, headers=as_role(Role.NAMND))).json()["status"] == "ARCHIVED"
