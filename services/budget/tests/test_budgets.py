"""The council's budget: a budget year and two plan years with the boards' frames, the lines outside
them, earmarked funds and the steps of the budget cycle, decided through the lifecycle."""

import datetime as dt
import uuid

import pytest

from budget_service.budgets import service as budgets_service
from services.budget.tests.support.budgets import (
    API,
    ASSIGNMENT,
    BOARD_A,
    BOARD_B,
    BUDGETS,
    DECISION,
    FRAMES_BODY,
    FUNDS_BODY,
    YEAR,
    audit_events,
    balanced,
    board_member,
    create,
    decided,
    put,
    step,
)
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers

FRAMES = f"{API}/frames"


# --- create -------------------------------------------------------------------------------


async def test_council_creates_a_draft_budget_with_its_plan_years_and_cycle(client, council, as_role):
    response = await client.post(BUDGETS, json={"year": YEAR, "title": "Mål och budget 2027"}, headers=council)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["year"], body["plan_years"], body["revision"]) == ("DRAFT", YEAR, [YEAR + 1, YEAR + 2], 1)
    assert body["decision"] is None and body["replaces_id"] is None and body["exceptional_reasons"] is None
    assert response.headers["etag"] == f'"{body["id"]}.1"'
    assert response.headers["location"] == f"{BUDGETS}/{body['id']}"
    assert [(s["kind"], s["due_month"], s["due_year"], s["status"]) for s in body["steps"]] == [
        ("PLANNING_ASSUMPTIONS", 2, YEAR - 1, "PLANNED"),
        ("BUDGET_DECISION", 6, YEAR - 1, "PLANNED"),
        ("BOARD_ALLOCATIONS", 10, YEAR - 1, "PLANNED"),
        ("AMENDMENT", None, None, "PLANNED"),
    ]
    assert body["totals"] == [
        {"year": y, "revenues": "0.00", "costs": "0.00", "result": "0.00", "deficit": False} for y in (YEAR, YEAR + 1, YEAR + 2)
    ]
    assert body["balanced"] is True and body["frames"] == body["lines"] == body["earmarked_funds"] == []
    assert [e["action"] for e in await audit_events(client, as_role, body["id"])] == ["CREATE"]


async def test_creating_a_budget_needs_a_signed_in_caller(client):
    assert_problem(await client.post(BUDGETS, json={"year": YEAR, "title": "x"}), 401)


@pytest.mark.parametrize("role", [Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR, Role.ADMIN])
async def test_only_fullmaktige_writes_the_budget(client, as_role, role):
    response = await client.post(BUDGETS, json={"year": YEAR, "title": "x"}, headers=board_member(as_role, role))
    assert_problem(response, 403, type_="role-not-allowed", detail_contains="roles: fullmaktige")
    assert (await client.get(BUDGETS, headers=as_role(Role.REVISOR))).json()["items"] == []


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "#/year"),
        ({"year": YEAR}, "#/title"),
        ({"year": 1999, "title": "x"}, "#/year"),
        ({"year": YEAR, "title": "x", "frames": []}, "#/frames"),
    ],
)
async def test_a_malformed_budget_is_a_422_naming_the_field(client, council, as_role, body, pointer):
    response = await client.post(BUDGETS, json=body, headers=council)
    assert_problem(response, 422)
    assert pointer in pointers(response)
    assert (await client.get(BUDGETS, headers=as_role(Role.REVISOR))).json()["items"] == []


# --- read ---------------------------------------------------------------------------------


async def test_the_budget_reads_with_its_parts_and_each_years_totals(client, council):
    response = await balanced(client, council)
    fetched = await client.get(f"{BUDGETS}/{response.json()['id']}", headers=council)
    assert fetched.status_code == 200 and fetched.headers["etag"] == response.headers["etag"]
    body = fetched.json()
    assert len(body["frames"]) == 7 and len(body["lines"]) == 6
    assert {f["amount"] for f in body["frames"]} == {"600000.00", "300000.00", "5000000.00"}
    assert {f["budget_id"] for f in body["frames"]} == {body["id"]}
    assert {f["board_org_unit"]["name"] for f in body["frames"]} == {"Socialnämnden", "Tekniska nämnden"}
    assert body["earmarked_funds"] == [
        FUNDS_BODY["earmarked_funds"][0]
        | {
            "id": body["earmarked_funds"][0]["id"],
            "board_org_unit": {"id": BOARD_A, "name": "Socialnämnden", "short_name": "Socialnämnden", "type": "board"},
        }
    ]
    # Investment frames are not costs of the year; operating frames, earmarked funds and cost lines are.
    assert body["totals"] == [{"year": YEAR, "revenues": "1000000.00", "costs": "975000.50", "result": "24999.50", "deficit": False}] + [
        {"year": y, "revenues": "1000000.00", "costs": "950000.00", "result": "50000.00", "deficit": False} for y in (YEAR + 1, YEAR + 2)
    ]
    assert body["balanced"] is True


async def test_reading_a_budget_needs_a_signed_in_caller(client, council):
    response = await create(client, council)
    assert_problem(await client.get(f"{BUDGETS}/{response.json()['id']}"), 401)


async def test_an_unknown_budget_is_a_404_and_a_malformed_id_a_422(client, council):
    assert_problem(await client.get(f"{BUDGETS}/{uuid.uuid4()}", headers=council), 404, type_="not-found")
    response = await client.get(f"{BUDGETS}/not-a-uuid", headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/budget_id"}


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        (Role.FULLMAKTIGE, True),
        (Role.REVISOR, True),
        (Role.NAMND, True),
        (Role.FORVALTNING, True),
        (Role.ENHET, False),
        (Role.ADMIN, False),
    ],
)
async def test_boards_prepare_from_the_draft_but_units_see_only_the_decided_budget(client, council, as_role, role, visible):
    budget_id = (await create(client, council)).json()["id"]
    headers = as_role(role) if role in (Role.FULLMAKTIGE, Role.REVISOR, Role.ADMIN) else board_member(as_role, role)
    response = await client.get(f"{BUDGETS}/{budget_id}", headers=headers)
    if visible:
        assert response.status_code == 200
    else:
        assert_problem(response, 404)
    listed = await client.get(BUDGETS, headers=headers)
    assert [b["id"] for b in listed.json()["items"]] == ([budget_id] if visible else [])


async def test_a_decided_budget_is_read_by_every_signed_in_user(client, council, as_role):
    budget_id = (await decided(client, council)).json()["id"]
    for role in (Role.ENHET, Role.ADMIN):
        assert (await client.get(f"{BUDGETS}/{budget_id}", headers=as_role(role, "unit-1", ["unit-1"]))).status_code == 200


# --- list ---------------------------------------------------------------------------------


async def test_budgets_list_newest_first_filter_by_year_and_status_and_paginate(client, council):
    ids = {}
    for year in (2026, 2027, 2028):
        ids[year] = (await create(client, council, year=year)).json()["id"]
    await decided(client, council, await client.get(f"{BUDGETS}/{ids[2026]}", headers=council))
    first = await client.get(BUDGETS, params={"limit": 2}, headers=council)
    assert [b["id"] for b in first.json()["items"]] == [ids[2028], ids[2027]]
    assert "frames" not in first.json()["items"][0]
    second = await client.get(BUDGETS, params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=council)
    assert [b["id"] for b in second.json()["items"]] == [ids[2026]] and second.json()["next_cursor"] is None
    by_year = await client.get(BUDGETS, params={"year": 2027}, headers=council)
    assert [b["id"] for b in by_year.json()["items"]] == [ids[2027]]
    by_status = await client.get(BUDGETS, params={"status": "DECIDED"}, headers=council)
    assert [b["id"] for b in by_status.json()["items"]] == [ids[2026]]


async def test_listing_budgets_with_a_bad_cursor_or_filter_is_a_422_and_needs_a_caller(client, council):
    assert pointers(await client.get(BUDGETS, params={"cursor": "xyz"}, headers=council)) == {"#/query/cursor"}
    assert pointers(await client.get(BUDGETS, params={"status": "OPEN"}, headers=council)) == {"#/query/status"}
    assert_problem(await client.get(BUDGETS), 401)


# --- update and delete --------------------------------------------------------------------


async def test_council_edits_a_draft_with_if_match(client, council, as_role):
    response = await create(client, council)
    url = f"{BUDGETS}/{response.json()['id']}"
    changed = await client.patch(
        url,
        json={"title": "Mål och budget 2027–2029", "exceptional_reasons": "Engångskostnad för ny skola"},
        headers=council | {"If-Match": response.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["title"], changed.json()["exceptional_reasons"]) == ("Mål och budget 2027–2029", "Engångskostnad för ny skola")
    assert changed.headers["etag"] != response.headers["etag"]
    cleared = await client.patch(url, json={"exceptional_reasons": None}, headers=council | {"If-Match": changed.headers["etag"]})
    assert cleared.json()["exceptional_reasons"] is None
    assert [e["action"] for e in await audit_events(client, as_role, response.json()["id"])] == ["UPDATE", "UPDATE", "CREATE"]


async def test_editing_needs_a_current_if_match(client, council):
    response = await create(client, council)
    url = f"{BUDGETS}/{response.json()['id']}"
    assert_problem(await client.patch(url, json={"title": "x"}, headers=council), 428)
    assert_problem(await client.patch(url, json={"title": "x"}, headers=council | {"If-Match": '"stale.0"'}), 412)
    assert (await client.get(url, headers=council)).json()["title"] == "Mål och budget 2027"


async def test_editing_refusals_401_403_404_422(client, council, as_role):
    response = await create(client, council)
    url = f"{BUDGETS}/{response.json()['id']}"
    match = {"If-Match": response.headers["etag"]}
    assert_problem(await client.patch(url, json={"title": "x"}, headers=match), 401)
    assert_problem(await client.patch(url, json={"title": "x"}, headers=board_member(as_role) | match), 403)
    assert_problem(await client.patch(f"{BUDGETS}/{uuid.uuid4()}", json={"title": "x"}, headers=council | match), 404)
    bad = await client.patch(url, json={"title": None}, headers=council | match)
    assert_problem(bad, 422)
    assert pointers(bad) == {"#/title"}


async def test_council_deletes_a_draft_and_its_parts(client, council, as_role):
    response = await balanced(client, council)
    url = f"{BUDGETS}/{response.json()['id']}"
    assert_problem(await client.delete(url, headers=council), 428)
    assert (await client.delete(url, headers=council | {"If-Match": response.headers["etag"]})).status_code == 204
    assert_problem(await client.get(url, headers=council), 404)
    assert_problem(await client.delete(url, headers=council | {"If-Match": "*"}), 404)
    assert [e["action"] for e in await audit_events(client, as_role, response.json()["id"])][0] == "DELETE"


async def test_a_proposed_budget_is_not_deleted(client, council):
    proposed = await step(client, council, await balanced(client, council), "proposal")
    url = f"{BUDGETS}/{proposed.json()['id']}"
    assert_problem(
        await client.delete(url, headers=council | {"If-Match": proposed.headers["etag"]}),
        409,
        detail_contains="only a draft budget can be deleted",
    )
    assert (await client.get(url, headers=council)).json()["status"] == "PROPOSED"


# --- frames, lines, earmarked funds -------------------------------------------------------


async def test_putting_frames_replaces_the_whole_set(client, council, as_role):
    response = await balanced(client, council)
    replaced = await put(
        client,
        council,
        response,
        "frames",
        {"frames": [{"board_org_unit_id": BOARD_B, "kind": "OPERATING", "year": YEAR + 1, "amount": "1.50"}]},
    )
    assert replaced.status_code == 200, replaced.text
    assert [(f["board_org_unit_id"], f["year"], f["amount"], f["model_run_id"]) for f in replaced.json()["frames"]] == [
        (BOARD_B, YEAR + 1, "1.50", None)
    ]
    assert replaced.headers["etag"] != response.headers["etag"]
    actions = [e["action"] for e in await audit_events(client, as_role, response.json()["id"])]
    assert actions[:4] == ["REPLACE_FRAMES", "REPLACE_EARMARKED_FUNDS", "REPLACE_LINES", "REPLACE_FRAMES"]


async def test_a_budgets_frames_list_by_board_and_year_and_paginate(client, council, as_role):
    budget_id = (await balanced(client, council)).json()["id"]
    url = f"{BUDGETS}/{budget_id}/frames"
    by_board = await client.get(url, params={"board_org_unit_id": BOARD_A}, headers=board_member(as_role))
    assert sorted((f["kind"], f["year"]) for f in by_board.json()["items"]) == [
        ("INVESTMENT", YEAR),
        ("OPERATING", YEAR),
        ("OPERATING", YEAR + 1),
        ("OPERATING", YEAR + 2),
    ]
    by_year = await client.get(url, params={"year": YEAR + 1}, headers=council)
    assert {(f["board_org_unit_id"], f["amount"]) for f in by_year.json()["items"]} == {(BOARD_A, "600000.00"), (BOARD_B, "300000.00")}
    seen, cursor = [], None
    while True:
        page = (await client.get(url, params={"limit": 3} | ({"cursor": cursor} if cursor else {}), headers=council)).json()
        seen += [f["id"] for f in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert len(seen) == len(set(seen)) == 7


async def test_frames_reads_refusals_401_404_422(client, council, as_role):
    budget_id = (await create(client, council)).json()["id"]
    assert_problem(await client.get(f"{BUDGETS}/{budget_id}/frames"), 401)
    assert_problem(await client.get(f"{BUDGETS}/{uuid.uuid4()}/frames", headers=council), 404)
    assert_problem(await client.get(f"{BUDGETS}/{budget_id}/frames", headers=as_role(Role.ENHET, "unit-1", ["unit-1"])), 404)
    assert pointers(await client.get(f"{BUDGETS}/{budget_id}/frames", params={"board_org_unit_id": "x"}, headers=council)) == {
        "#/query/board_org_unit_id"
    }


@pytest.mark.parametrize("part", ["frames", "lines", "earmarked-funds"])
async def test_writing_a_part_refusals_401_403_404_428(client, council, as_role, part):
    response = await create(client, council)
    url = f"{BUDGETS}/{response.json()['id']}/{part}"
    key = part.replace("-", "_")
    match = {"If-Match": response.headers["etag"]}
    assert_problem(await client.put(url, json={key: []}, headers=match), 401)
    assert_problem(await client.put(url, json={key: []}, headers=board_member(as_role) | match), 403, type_="role-not-allowed")
    assert_problem(await client.put(f"{BUDGETS}/{uuid.uuid4()}/{part}", json={key: []}, headers=council | match), 404)
    assert_problem(await client.put(url, json={key: []}, headers=council), 428)
    assert pointers(await client.put(url, json={}, headers=council | match)) == {f"#/{key}"}


async def test_lines_hold_each_kind_once_per_year_with_positive_amounts(client, council):
    response = await create(client, council)
    bad = await put(
        client,
        council,
        response,
        "lines",
        {
            "lines": [
                {"kind": "PENSIONS", "year": YEAR, "amount": "0.00"},
                {"kind": "ROYALTIES", "year": YEAR, "amount": "1.00"},
                {"kind": "PENSIONS", "year": YEAR + 3, "amount": "1.00"},
            ]
        },
    )
    assert_problem(bad, 422)
    assert pointers(bad) == {"#/lines/0/amount", "#/lines/1/kind"}
    twice = await put(
        client,
        council,
        response,
        "lines",
        {"lines": [{"kind": "PENSIONS", "year": YEAR, "amount": "1.00"}] * 2 + [{"kind": "PENSIONS", "year": YEAR + 3, "amount": "1.00"}]},
    )
    assert_problem(twice, 422, detail_contains="a line per kind and year once")
    assert pointers(twice) == {"#/lines/1", "#/lines/2/year"}
    assert (await client.get(f"{BUDGETS}/{response.json()['id']}", headers=council)).json()["lines"] == []


async def test_earmarked_funds_name_an_assignment_once_per_board_and_year(client, council):
    response = await create(client, council)
    fund = FUNDS_BODY["earmarked_funds"][0]
    bad = await put(
        client, council, response, "earmarked-funds", {"earmarked_funds": [fund | {"assignment_id": "A-17"}, fund | {"purpose": ""}]}
    )
    assert pointers(bad) == {"#/earmarked_funds/0/assignment_id", "#/earmarked_funds/1/purpose"}
    twice = await put(client, council, response, "earmarked-funds", {"earmarked_funds": [fund, fund]})
    assert_problem(twice, 422)
    assert pointers(twice) == {"#/earmarked_funds/1"}
    ok = await put(client, council, response, "earmarked-funds", {"earmarked_funds": [fund, fund | {"year": YEAR + 1}]})
    assert [(f["year"], f["assignment_id"], f["amount"]) for f in ok.json()["earmarked_funds"]] == [
        (YEAR, ASSIGNMENT, "25000.50"),
        (YEAR + 1, ASSIGNMENT, "25000.50"),
    ]


# --- lifecycle ----------------------------------------------------------------------------


async def test_a_budget_is_proposed_returned_decided_and_archived(client, council, as_role):
    response = await balanced(client, council)
    proposed = await step(client, council, response, "proposal")
    assert proposed.json()["status"] == "PROPOSED"
    returned = await step(client, council, proposed, "return")
    assert returned.json()["status"] == "DRAFT"
    decided_ = await decided(client, council, returned)
    body = decided_.json()
    assert body["status"] == "DECIDED" and body["decision"] == DECISION
    decision_step = next(s for s in body["steps"] if s["kind"] == "BUDGET_DECISION")
    assert (decision_step["status"], decision_step["decision_reference"], decision_step["completed_date"]) == (
        "DONE",
        "KF § 45/2026",
        "2026-06-15",
    )
    archived = await step(client, council, decided_, "archival")
    assert archived.json()["status"] == "ARCHIVED"
    actions = [e["action"] for e in await audit_events(client, as_role, body["id"])]
    assert actions[:5] == ["ARCHIVE", "DECIDE", "PROPOSE", "RETURN_TO_DRAFT", "PROPOSE"]


async def test_lifecycle_steps_refusals(client, council, as_role):
    response = await balanced(client, council)
    url = f"{BUDGETS}/{response.json()['id']}"
    assert_problem(await client.post(f"{url}/proposal"), 401)
    assert_problem(await client.post(f"{url}/proposal", headers=board_member(as_role) | {"If-Match": "*"}), 403)
    assert_problem(await client.post(f"{BUDGETS}/{uuid.uuid4()}/proposal", headers=council | {"If-Match": "*"}), 404)
    assert_problem(await client.post(f"{url}/proposal", headers=council), 428)
    assert_problem(await step(client, council, response, "decision", DECISION), 409, detail_contains="decision lifecycle")
    proposed = await step(client, council, response, "proposal")
    no_decision = await step(client, council, proposed, "decision", {})
    assert_problem(no_decision, 422)
    assert {"#/body", "#/decision_date", "#/reference"} <= pointers(no_decision)
    assert (await client.get(url, headers=council)).json()["status"] == "PROPOSED"


async def test_an_amendment_copies_the_budget_and_deciding_it_archives_the_replaced_one(client, council, as_role):
    first = await decided(client, council)
    amendment = await client.post(f"{BUDGETS}/{first.json()['id']}/revisions", headers=council)
    assert amendment.status_code == 201, amendment.text
    body = amendment.json()
    assert (body["status"], body["revision"], body["replaces_id"], body["year"]) == ("DRAFT", 2, first.json()["id"], YEAR)
    strip = lambda rows: sorted(tuple(sorted((k, v) for k, v in r.items() if k not in ("id", "budget_id"))) for r in rows)  # noqa: E731
    for part in ("frames", "lines", "earmarked_funds"):
        assert strip(body[part]) == strip(first.json()[part])
    assert next(s for s in body["steps"] if s["kind"] == "BUDGET_DECISION")["status"] == "DONE"
    changed = await put(client, council, amendment, "frames", FRAMES_BODY | {"frames": FRAMES_BODY["frames"][:-1]})
    decided_amendment = await decided(client, council, changed)
    assert next(s for s in decided_amendment.json()["steps"] if s["kind"] == "AMENDMENT")["status"] == "DONE"
    assert (await client.get(f"{BUDGETS}/{first.json()['id']}", headers=council)).json()["status"] == "ARCHIVED"
    assert len((await client.get(f"{BUDGETS}/{first.json()['id']}", headers=council)).json()["frames"]) == 7


async def test_an_amendment_starts_only_from_a_decided_budget(client, council, as_role):
    draft = await create(client, council)
    assert_problem(
        await client.post(f"{BUDGETS}/{draft.json()['id']}/revisions", headers=council), 409, detail_contains="decided budget in force"
    )
    assert_problem(await client.post(f"{BUDGETS}/{uuid.uuid4()}/revisions", headers=council), 404)
    assert_problem(await client.post(f"{BUDGETS}/{draft.json()['id']}/revisions"), 401)
    assert_problem(await client.post(f"{BUDGETS}/not-an-id/revisions", headers=council), 422)
    assert_problem(await client.post(f"{BUDGETS}/{draft.json()['id']}/revisions", headers=board_member(as_role)), 403)
    assert len((await client.get(BUDGETS, headers=council)).json()["items"]) == 1


async def test_a_decided_year_is_changed_by_amendment_not_by_a_new_budget(client, council):
    first = await decided(client, council)
    response = await client.post(BUDGETS, json={"year": YEAR, "title": "Ny"}, headers=council)
    assert_problem(response, 409, detail_contains=f"/budgets/{first.json()['id']}/revisions")


# --- the cycle's steps --------------------------------------------------------------------


async def test_council_records_a_step_of_the_cycle(client, council, as_role):
    budget_id = (await create(client, council)).json()["id"]
    url = f"{BUDGETS}/{budget_id}/steps/PLANNING_ASSUMPTIONS"
    read = await client.get(url, headers=board_member(as_role))
    assert read.status_code == 200 and read.json()["status"] == "PLANNED"
    done = await client.patch(
        url,
        json={"status": "DONE", "decision_reference": "KS § 12/2026", "completed_date": "2026-02-20"},
        headers=council | {"If-Match": read.headers["etag"]},
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["decision_reference"], done.json()["completed_date"], done.json()["late"]) == (
        "DONE",
        "KS § 12/2026",
        "2026-02-20",
        False,
    )
    assert done.headers["etag"] != read.headers["etag"]
    event = (await audit_events(client, as_role, budget_id))[0]
    assert (event["action"], event["before"]["step"]["status"], event["after"]["step"]["status"]) == ("RECORD_STEP", "PLANNED", "DONE")
    again = await client.patch(url, json={"status": "PLANNED"}, headers=council | {"If-Match": done.headers["etag"]})
    assert (again.json()["status"], again.json()["completed_date"]) == ("PLANNED", None)


async def test_steps_past_their_month_and_not_done_are_late(client, council, monkeypatch):
    budget_id = (await create(client, council)).json()["id"]
    monkeypatch.setattr(budgets_service, "today", lambda: dt.date(YEAR - 1, 3, 1))
    late = {s["kind"]: s["late"] for s in (await client.get(f"{BUDGETS}/{budget_id}", headers=council)).json()["steps"]}
    assert late == {"PLANNING_ASSUMPTIONS": True, "BUDGET_DECISION": False, "BOARD_ALLOCATIONS": False, "AMENDMENT": False}
    monkeypatch.setattr(budgets_service, "today", lambda: dt.date(YEAR + 1, 1, 1))
    late = {s["kind"]: s["late"] for s in (await client.get(f"{BUDGETS}/{budget_id}", headers=council)).json()["steps"]}
    assert late == {"PLANNING_ASSUMPTIONS": True, "BUDGET_DECISION": True, "BOARD_ALLOCATIONS": True, "AMENDMENT": False}


async def test_boards_allocations_are_recorded_after_the_decision(client, council):
    budget_id = (await decided(client, council)).json()["id"]
    url = f"{BUDGETS}/{budget_id}/steps/BOARD_ALLOCATIONS"
    read = await client.get(url, headers=council)
    done = await client.patch(url, json={"status": "DONE"}, headers=council | {"If-Match": read.headers["etag"]})
    assert (done.status_code, done.json()["status"]) == (200, "DONE")
    assert done.json()["completed_date"] is not None


async def test_recording_a_step_refusals(client, council, as_role):
    response = await decided(client, council)
    url = f"{BUDGETS}/{response.json()['id']}/steps/BOARD_ALLOCATIONS"
    etag = (await client.get(url, headers=council)).headers["etag"]
    assert_problem(await client.patch(url, json={"status": "DONE"}, headers={"If-Match": etag}), 401)
    assert_problem(await client.patch(url, json={"status": "DONE"}, headers=board_member(as_role) | {"If-Match": etag}), 403)
    assert_problem(
        await client.patch(url, json={"status": "DONE"}, headers=as_role(Role.FULLMAKTIGE, BOARD_A, [BOARD_A]) | {"If-Match": etag}),
        403,
        detail_contains="whole municipality",
    )
    assert_problem(
        await client.patch(f"{BUDGETS}/{uuid.uuid4()}/steps/BOARD_ALLOCATIONS", json={}, headers=council | {"If-Match": etag}), 404
    )
    assert pointers(await client.patch(f"{BUDGETS}/{response.json()['id']}/steps/BUDGET_DAY", json={}, headers=council)) == {"#/path/kind"}
    assert pointers(await client.patch(url, json={"status": "LATE"}, headers=council | {"If-Match": etag})) == {"#/status"}
    assert_problem(await client.patch(url, json={"status": "DONE"}, headers=council), 428)
    archived = await step(client, council, response, "archival")
    assert archived.status_code == 200
    assert_problem(
        await client.patch(url, json={"status": "DONE"}, headers=council | {"If-Match": etag}), 409, detail_contains="archived budget"
    )
    assert (await client.get(url, headers=council)).json()["status"] == "PLANNED"
    assert_problem(await client.get(url), 401)
    assert_problem(await client.get(f"{BUDGETS}/{uuid.uuid4()}/steps/AMENDMENT", headers=council), 404)


# --- the frames in force ------------------------------------------------------------------


async def test_the_frames_in_force_are_the_decided_budgets_for_its_year(client, council, as_role):
    draft = await balanced(client, council)
    unit = as_role(Role.ENHET, "unit-1", ["unit-1"])
    assert (await client.get(FRAMES, params={"year": YEAR}, headers=unit)).json()["items"] == []
    await decided(client, council, draft)
    in_force = (await client.get(FRAMES, params={"year": YEAR}, headers=unit)).json()["items"]
    assert sorted((f["board_org_unit_id"], f["kind"], f["amount"]) for f in in_force) == sorted(
        [(BOARD_A, "OPERATING", "600000.00"), (BOARD_B, "OPERATING", "300000.00"), (BOARD_A, "INVESTMENT", "5000000.00")]
    )
    board = await client.get(FRAMES, params={"year": YEAR, "board_org_unit_id": BOARD_B}, headers=unit)
    assert [(f["kind"], f["amount"], f["budget_id"]) for f in board.json()["items"]] == [("OPERATING", "300000.00", draft.json()["id"])]
    page = await client.get(FRAMES, params={"year": YEAR, "limit": 2}, headers=unit)
    rest = await client.get(FRAMES, params={"year": YEAR, "limit": 2, "cursor": page.json()["next_cursor"]}, headers=unit)
    assert len(page.json()["items"]) == 2 and len(rest.json()["items"]) == 1 and rest.json()["next_cursor"] is None
    # Plan years of this budget are not in force: the next year's own budget will set them.
    assert (await client.get(FRAMES, params={"year": YEAR + 1}, headers=unit)).json()["items"] == []


async def test_the_frames_in_force_need_a_year_and_a_caller(client, council):
    response = await client.get(FRAMES, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/query/year"}
    assert_problem(await client.get(FRAMES, params={"year": YEAR}), 401)
