"""Drafting a report: one per org unit and occasion at a time, at the level of the org unit's type,
by the roles of that level in scope; reading it (drafts in scope and by the auditors) and its list."""

import uuid

from services.followup.tests.support.reports import (
    ADMINISTRATION,
    API,
    BOARD,
    CLOSED_UNIT,
    COUNCIL,
    OTHER_BOARD,
    UNIT,
    add_occasion,
    create_report,
    stored,
)
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem


async def test_a_unit_drafts_its_report_at_unit_level_and_reads_it(client, app, as_role):
    occasion_id = await add_occasion(app)
    response = await create_report(client, as_role(Role.ENHET, UNIT, [UNIT]), occasion_id, UNIT)
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["level"], report["status"], report["revision"]) == ("UNIT", "DRAFT", 1)
    assert report["org_unit"]["name"] == "Näslundsskolan"
    assert report["occasion"] == "INTERIM" and report["year"] == 2027
    assert report["document_hash"] is None and report["preview"] is not None
    assert response.headers["Location"].endswith(report["id"])

    read = await client.get(f"{API}/reports/{report['id']}", headers=as_role(Role.ENHET, UNIT, [UNIT]))
    assert read.status_code == 200 and read.json()["id"] == report["id"]
    assert read.headers["ETag"]


async def test_the_level_follows_the_org_units_type(client, app, as_role):
    occasion_id = await add_occasion(app)
    levels = {}
    for unit, role in ((ADMINISTRATION, Role.FORVALTNING), (BOARD, Role.NAMND), (COUNCIL, Role.FULLMAKTIGE)):
        response = await create_report(client, as_role(role), occasion_id, unit)
        assert response.status_code == 201, response.text
        levels[unit] = response.json()["level"]
    assert levels == {ADMINISTRATION: "ADMINISTRATION", BOARD: "BOARD", COUNCIL: "MUNICIPAL"}


async def test_one_open_revision_per_org_unit_and_occasion(client, app, as_role):
    occasion_id = await add_occasion(app)
    assert (await create_report(client, as_role(Role.NAMND), occasion_id, BOARD)).status_code == 201
    before = await stored(app)
    again = await create_report(client, as_role(Role.NAMND), occasion_id, BOARD)
    assert_problem(again, 409, "one report per org unit and occasion")
    assert await stored(app) == before
    # Another occasion of the year is a report of its own.
    annual = await add_occasion(app, "ANNUAL")
    assert (await create_report(client, as_role(Role.NAMND), annual, BOARD)).status_code == 201


async def test_a_report_is_drafted_only_by_the_levels_roles_in_scope(client, app, as_role):
    occasion_id = await add_occasion(app)
    before = await stored(app)
    # A unit does not draft its board's report, nor a board another board's.
    assert_problem(await create_report(client, as_role(Role.ENHET, UNIT, [UNIT]), occasion_id, BOARD), 403)
    assert_problem(await create_report(client, as_role(Role.NAMND, BOARD, [BOARD]), occasion_id, OTHER_BOARD), 403, "outside your scope")
    # The municipal report is the council's.
    assert_problem(await create_report(client, as_role(Role.NAMND), occasion_id, COUNCIL), 403)
    assert await stored(app) == before


async def test_the_org_unit_must_be_valid_in_the_occasions_year(client, app, as_role):
    occasion_id = await add_occasion(app)
    before = await stored(app)
    response = await create_report(client, as_role(Role.FORVALTNING), occasion_id, CLOSED_UNIT)
    problem = assert_problem(response, 422, "not valid in 2027")
    assert problem["errors"][0]["pointer"] == "#/org_unit_id"
    unknown = await create_report(client, as_role(Role.FORVALTNING), occasion_id, str(uuid.uuid4()))
    assert_problem(unknown, 422, "not in the directory")
    assert_problem(await create_report(client, as_role(Role.FORVALTNING), uuid.uuid4(), UNIT), 404, "no follow-up occasion")
    assert await stored(app) == before


async def test_drafts_are_read_in_scope_and_by_the_auditors(client, app, as_role):
    occasion_id = await add_occasion(app)
    report = (await create_report(client, as_role(Role.NAMND), occasion_id, BOARD)).json()
    path = f"{API}/reports/{report['id']}"
    assert (await client.get(path, headers=as_role(Role.REVISOR))).status_code == 200
    assert (await client.get(path, headers=as_role(Role.NAMND, BOARD, [BOARD]))).status_code == 200
    assert_problem(await client.get(path, headers=as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD])), 404)

    listed = await client.get(
        f"{API}/reports", params={"occasion_id": str(occasion_id)}, headers=as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD])
    )
    assert listed.status_code == 200 and listed.json()["items"] == []
    listed = await client.get(f"{API}/reports", params={"level": "BOARD", "year": 2027}, headers=as_role(Role.REVISOR))
    assert [r["id"] for r in listed.json()["items"]] == [report["id"]]


async def test_the_list_pages_through_every_report(client, app, as_role):
    occasion_id = await add_occasion(app)
    ids = set()
    for unit in (BOARD, OTHER_BOARD, ADMINISTRATION):
        ids.add((await create_report(client, as_role(Role.FORVALTNING), occasion_id, unit)).json()["id"])
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"{API}/reports", params=params, headers=as_role(Role.REVISOR))).json()
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)


async def test_a_draft_has_no_document_yet(client, app, as_role):
    occasion_id = await add_occasion(app)
    report = (await create_report(client, as_role(Role.NAMND), occasion_id, BOARD)).json()
    assert_problem(await client.get(f"{API}/reports/{report['id']}/document", headers=as_role(Role.NAMND)), 409, "no frozen document")
