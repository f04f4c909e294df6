"""Risk and materiality assessments (risk- och väsentlighetsanalys) per board and year and their risks
(seed: "Intern kontroll", the internal-control steps of "Bilagor"; reference.md §2.5 for the scales)."""

import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy.exc import IntegrityError

from internal_control_service.plans.models import ControlActivity, ControlPlan
from internal_control_service.risks.models import Risk, RiskAssessment
from internal_control_service.risks.scales import scales_of
from services.internal_control.tests.support.api import API, AUDIT
from services.internal_control.tests.support.organisation import BOARD, OTHER_BOARD, UNIT
from services.internal_control.tests.support.risks import (
    ASSESSMENT,
    ASSESSMENTS,
    CONFIGURED_BANDS,
    CONFIGURED_LIKELIHOOD,
    RISK,
    add_risk,
    create_assessment,
    out_of_scope,
)
from styrkedjan_common.http import EMBEDDED_MAX
from styrkedjan_common.identity import Assignment, Principal, Role
from styrkedjan_common.testing import assert_problem, assertion_headers, pointers

RISKS = f"{API}/risks"
SCALES = f"{API}/risk-scales"


@pytest.fixture
def reader_not_writer(keys):
    """Reads BOARD through a unit role that covers it, writes only OTHER_BOARD."""
    who = Principal(
        user_id="user-two-hats",
        name="Two hats",
        assignments=(
            Assignment(role=Role.ENHET, org_unit_id=BOARD, scope=frozenset({BOARD})),
            Assignment(role=Role.NAMND, org_unit_id=OTHER_BOARD, scope=frozenset({OTHER_BOARD})),
        ),
    )
    return assertion_headers(keys, "internal-control", who)


DEFAULT_BANDS = [
    {"min_value": 1, "max_value": 3, "label": "Låg", "colour": "#2E7D32"},
    {"min_value": 4, "max_value": 6, "label": "Medel", "colour": "#F9A825"},
    {"min_value": 8, "max_value": 9, "label": "Hög", "colour": "#EF6C00"},
    {"min_value": 12, "max_value": 16, "label": "Mycket hög", "colour": "#C62828"},
]
DEFAULT_LABELS = {
    "risk_likelihood_labels": ["Osannolik", "Mindre sannolik", "Möjlig", "Sannolik"],
    "risk_consequence_labels": ["Försumbar", "Lindrig", "Kännbar", "Allvarlig"],
}


async def control_activity_for(app, risk_id, board_id=BOARD):
    """A control activity of the board's control plan that addresses the risk (the plans area's rows)."""
    plan = ControlPlan(board_org_unit_id=uuid.UUID(board_id), year=2028, title="Internkontrollplan 2028", created_by="t", updated_by="t")
    async with app.state.sessionmaker() as s:
        s.add(plan)
        await s.flush()
        s.add(ControlActivity(plan_id=plan.id, risk_id=uuid.UUID(risk_id), what_is_checked="Avtalstrohet", created_by="t", updated_by="t"))
        await s.commit()


async def audit_events(client, as_role, **params):
    response = await client.get(AUDIT, params=params, headers=as_role(Role.REVISOR))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def stored_assessments(app):
    async with app.state.sessionmaker() as s:
        return (await s.execute(RiskAssessment.__table__.select())).all()


async def stored_risks(app):
    async with app.state.sessionmaker() as s:
        return (await s.execute(Risk.__table__.select())).all()


def with_etag(headers, response):
    return headers | {"If-Match": response.headers["etag"]}


# --- scales -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
async def test_risk_scales_are_read_by_every_signed_in_role_with_swedish_defaults(client, as_role, role):
    response = await client.get(SCALES, headers=as_role(role))
    assert response.status_code == 200
    body = response.json()
    assert [s["label"] for s in body["likelihood"]] == ["Osannolik", "Mindre sannolik", "Möjlig", "Sannolik"]
    assert [s["label"] for s in body["consequence"]] == ["Försumbar", "Lindrig", "Kännbar", "Allvarlig"]
    assert [s["level"] for s in body["likelihood"]] == [1, 2, 3, 4]
    assert body["bands"] == DEFAULT_BANDS


async def test_risk_scales_follow_the_configuration(client, configured_scales, board):
    body = (await client.get(SCALES, headers=board)).json()
    assert body["bands"] == CONFIGURED_BANDS
    assert [s["label"] for s in body["likelihood"]] == CONFIGURED_LIKELIHOOD
    assert body["consequence"][3]["label"] == "Allvarlig"


def test_bands_that_leave_a_risk_value_without_a_colour_are_refused():
    settings = SimpleNamespace(**DEFAULT_LABELS, risk_bands="1-3 Låg #2E7D32; 4-6 Medel #F9A825; 8-9 Hög #EF6C00")
    with pytest.raises(ValueError, match="risk value 12 must fall in exactly one band"):
        scales_of(settings)


def test_overlapping_bands_are_refused():
    settings = SimpleNamespace(**DEFAULT_LABELS, risk_bands="1-3 Låg #2E7D32; 4-6 Medel #F9A825; 8-9 Hög #EF6C00; 9-16 X #000000")
    with pytest.raises(ValueError, match="risk value 9 must fall in exactly one band"):
        scales_of(settings)


# --- assessments: create ------------------------------------------------------------------


@pytest.mark.parametrize("writer", ["board", "administration"])
async def test_board_or_its_administration_starts_a_risk_assessment(client, request, writer):
    headers = request.getfixturevalue(writer)
    response = await client.post(ASSESSMENTS, json=ASSESSMENT, headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert {k: body[k] for k in ASSESSMENT} == ASSESSMENT
    assert body["risks"] == [] and body["row_version"] == 1
    assert response.headers["etag"] == f'"{body["id"]}.1"'
    assert response.headers["location"] == f"{ASSESSMENTS}/{body['id']}"


async def test_assessment_creation_is_audited(client, as_role, administration):
    created = (await create_assessment(client, administration)).json()
    [event] = await audit_events(client, as_role, entity_type="risk_assessment", entity_id=created["id"])
    assert event["action"] == "CREATE" and event["before"] is None
    assert event["after"]["year"] == 2027 and event["after"]["board_org_unit_id"] == BOARD


async def test_second_assessment_for_the_same_board_and_year_is_refused(client, app, administration, board):
    await create_assessment(client, administration)
    response = await client.post(ASSESSMENTS, json=ASSESSMENT | {"title": "En till"}, headers=board)
    assert_problem(response, 409, "one risk assessment per board and year", type_="rule-violation")
    assert [row.title for row in await stored_assessments(app)] == [ASSESSMENT["title"]]


async def test_another_year_or_board_is_a_new_assessment(client, administration, as_role):
    await create_assessment(client, administration)
    await create_assessment(client, administration, year=2028)
    await create_assessment(client, as_role(Role.FORVALTNING, OTHER_BOARD, [OTHER_BOARD]), board_org_unit_id=OTHER_BOARD)


@pytest.mark.parametrize("role", [Role.NAMND, Role.FORVALTNING])
async def test_assessment_for_a_board_outside_scope_is_refused(client, app, as_role, role):
    response = await client.post(ASSESSMENTS, json=ASSESSMENT, headers=out_of_scope(as_role, role))
    assert_problem(response, 403, "outside your scope")
    assert await stored_assessments(app) == []


@pytest.mark.parametrize("role", [Role.FULLMAKTIGE, Role.ENHET, Role.REVISOR, Role.ADMIN])
async def test_assessments_are_written_by_namnd_and_forvaltning_only(client, app, as_role, role):
    response = await client.post(ASSESSMENTS, json=ASSESSMENT, headers=as_role(role))
    assert_problem(response, 403, type_="role-not-allowed")
    assert await stored_assessments(app) == []


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"year": 1999}, "#/year"),
        ({"year": "next"}, "#/year"),
        ({"title": ""}, "#/title"),
        ({"board_org_unit_id": "not-a-uuid"}, "#/board_org_unit_id"),
        ({"description": "x" * 10001}, "#/description"),
        ({"status": "DRAFT"}, "#/status"),
    ],
)
async def test_invalid_assessment_is_refused_with_a_pointer(client, app, administration, changes, pointer):
    response = await client.post(ASSESSMENTS, json=ASSESSMENT | changes, headers=administration)
    assert_problem(response, 422)
    assert pointer in pointers(response)
    assert await stored_assessments(app) == []


async def test_empty_body_creates_no_assessment(client, app, administration):
    response = await client.post(ASSESSMENTS, json={}, headers=administration)
    assert_problem(response, 422)
    assert {"#/board_org_unit_id", "#/year", "#/title"} <= pointers(response)
    assert await stored_assessments(app) == []


# --- assessments: read --------------------------------------------------------------------


async def test_assessment_is_read_with_its_risks_highest_value_first(client, administration, board):
    created = (await create_assessment(client, administration)).json()
    await add_risk(client, administration, created["id"], process="Lön", likelihood=1, consequence=2, decision="ACCEPT")
    await add_risk(client, administration, created["id"], likelihood=4, consequence=4)
    response = await client.get(f"{ASSESSMENTS}/{created['id']}", headers=board)
    assert response.status_code == 200
    assert response.headers["etag"] == f'"{created["id"]}.1"'
    risks = response.json()["risks"]
    assert [(r["process"], r["value"], r["band"], r["decision"]) for r in risks] == [
        ("Inköp", 16, {"label": "Mycket hög", "colour": "#C62828"}, "CONTROL"),
        ("Lön", 2, {"label": "Låg", "colour": "#2E7D32"}, "ACCEPT"),
    ]


async def test_a_large_assessment_is_read_with_its_highest_risks_and_the_rest_paged(client, app, administration, board):
    created = (await create_assessment(client, administration)).json()
    # 1,875 risks, as a municipality's largest assessment had; many share a value and a process,
    # so the pages must be cut by id as well.
    stored = [
        Risk(
            assessment_id=uuid.UUID(created["id"]),
            process=f"Process {n % 7}",
            description=f"Risk {n}",
            likelihood=1 + n % 4,
            consequence=1 + n // 4 % 4,
            decision="ACCEPT",
            created_by="t",
            updated_by="t",
        )
        for n in range(1875)
    ]
    async with app.state.sessionmaker() as session:
        session.add_all(stored)
        await session.commit()
    response = await client.get(f"{ASSESSMENTS}/{created['id']}", headers=board)
    assert response.status_code == 200 and len(response.content) < 40_000
    body = response.json()
    assert (len(body["risks"]), body["risk_count"]) == (EMBEDDED_MAX, 1875) and body["risks_next_cursor"]
    read, cursor = body["risks"], body["risks_next_cursor"]
    while cursor:
        page = await client.get(f"{ASSESSMENTS}/{created['id']}/risks", params={"limit": 200, "cursor": cursor}, headers=board)
        assert page.status_code == 200, page.text
        read, cursor = read + page.json()["items"], page.json()["next_cursor"]
    assert sorted(r["id"] for r in read) == sorted(str(r.id) for r in stored)
    order = [(-r["value"], r["process"]) for r in read]
    assert order == sorted(order)


async def test_a_small_assessment_embeds_all_its_risks_and_its_risk_list_pages_from_the_first(client, administration, board):
    created = (await create_assessment(client, administration)).json()
    for likelihood in (1, 3, 2):
        await add_risk(client, administration, created["id"], likelihood=likelihood, consequence=2)
    body = (await client.get(f"{ASSESSMENTS}/{created['id']}", headers=board)).json()
    assert [r["value"] for r in body["risks"]] == [6, 4, 2] and (body["risk_count"], body["risks_next_cursor"]) == (3, None)
    first = (await client.get(f"{ASSESSMENTS}/{created['id']}/risks", params={"limit": 2}, headers=board)).json()
    rest = (await client.get(f"{ASSESSMENTS}/{created['id']}/risks", params={"cursor": first["next_cursor"]}, headers=board)).json()
    assert [r["value"] for r in first["items"] + rest["items"]] == [6, 4, 2] and rest["next_cursor"] is None


async def test_another_boards_risk_list_is_not_disclosed(client, as_role, administration):
    created = (await create_assessment(client, administration)).json()
    await add_risk(client, administration, created["id"])
    outsider = out_of_scope(as_role, Role.NAMND)
    assert_problem(await client.get(f"{ASSESSMENTS}/{created['id']}/risks", headers=outsider), 404, "no risk assessment")


@pytest.mark.parametrize("role", [Role.NAMND, Role.FORVALTNING, Role.ENHET])
async def test_another_boards_internal_control_is_not_disclosed(client, as_role, administration, role):
    created = (await create_assessment(client, administration)).json()
    risk = (await add_risk(client, administration, created["id"])).json()
    outsider = out_of_scope(as_role, role)
    assert_problem(await client.get(f"{ASSESSMENTS}/{created['id']}", headers=outsider), 404, "no risk assessment")
    assert_problem(await client.get(f"{RISKS}/{risk['id']}", headers=outsider), 404, "no risk")
    listed = await client.get(ASSESSMENTS, headers=outsider)
    assert listed.status_code == 200 and listed.json()["items"] == []


async def test_a_unit_reads_no_board_level_assessment(client, as_role, administration):
    created = (await create_assessment(client, administration)).json()
    unit = as_role(Role.ENHET, UNIT, [UNIT])
    assert_problem(await client.get(f"{ASSESSMENTS}/{created['id']}", headers=unit), 404)


@pytest.mark.parametrize("role", [Role.REVISOR, Role.FULLMAKTIGE])
async def test_auditors_and_the_executive_board_read_every_board(client, as_role, administration, role):
    mine = (await create_assessment(client, administration)).json()
    theirs = (await create_assessment(client, as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD]), board_org_unit_id=OTHER_BOARD)).json()
    headers = as_role(role)
    for created in (mine, theirs):
        assert (await client.get(f"{ASSESSMENTS}/{created['id']}", headers=headers)).status_code == 200
    listed = (await client.get(ASSESSMENTS, headers=headers)).json()["items"]
    assert {a["id"] for a in listed} == {mine["id"], theirs["id"]}


async def test_system_administration_reads_no_internal_control(client, as_role, administration):
    created = (await create_assessment(client, administration)).json()
    assert_problem(await client.get(f"{ASSESSMENTS}/{created['id']}", headers=as_role(Role.ADMIN)), 403, type_="role-not-allowed")
    assert_problem(await client.get(ASSESSMENTS, headers=as_role(Role.ADMIN)), 403)


async def test_unknown_assessment_is_404_and_a_malformed_id_422(client, board):
    assert_problem(await client.get(f"{ASSESSMENTS}/{uuid.uuid4()}", headers=board), 404)
    response = await client.get(f"{ASSESSMENTS}/not-a-uuid", headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/assessment_id"}


async def test_assessments_are_filtered_by_board_and_year(client, as_role, administration):
    await create_assessment(client, administration, year=2026)
    this_year = (await create_assessment(client, administration)).json()
    await create_assessment(client, as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD]), board_org_unit_id=OTHER_BOARD)
    revisor = as_role(Role.REVISOR)
    by_board_and_year = (await client.get(ASSESSMENTS, params={"board_org_unit_id": BOARD, "year": 2027}, headers=revisor)).json()
    assert [a["id"] for a in by_board_and_year["items"]] == [this_year["id"]]
    by_year = (await client.get(ASSESSMENTS, params={"year": 2027}, headers=revisor)).json()["items"]
    assert {a["board_org_unit_id"] for a in by_year} == {BOARD, OTHER_BOARD}
    assert "risks" not in by_year[0]


async def test_assessments_are_paginated_newest_year_first(client, administration, board):
    for year in (2024, 2025, 2026, 2027, 2028):
        await create_assessment(client, administration, year=year)
    years, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(ASSESSMENTS, params=params, headers=board)).json()
        assert len(page["items"]) <= 2
        years += [a["year"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert years == [2028, 2027, 2026, 2025, 2024]


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"year": 1800}, "#/query/year"),
        ({"board_org_unit_id": "x"}, "#/query/board_org_unit_id"),
        ({"limit": 0}, "#/query/limit"),
        ({"cursor": "bogus"}, "#/query/cursor"),
    ],
)
async def test_invalid_list_filters_are_refused_with_a_pointer(client, board, params, pointer):
    response = await client.get(ASSESSMENTS, params=params, headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {pointer}


# --- assessments: update and delete -------------------------------------------------------


async def test_assessment_is_edited_with_if_match_and_audited(client, as_role, administration, board):
    created = await create_assessment(client, administration)
    response = await client.patch(
        f"{ASSESSMENTS}/{created.json()['id']}", json={"title": "Reviderad analys"}, headers=with_etag(board, created)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == "Reviderad analys" and body["description"] == ASSESSMENT["description"]
    assert body["row_version"] == 2 and response.headers["etag"] == f'"{body["id"]}.2"'
    update = (await audit_events(client, as_role, entity_id=body["id"]))[0]
    assert update["action"] == "UPDATE"
    assert (update["before"]["title"], update["after"]["title"]) == (ASSESSMENT["title"], "Reviderad analys")


async def test_assessment_update_that_changes_nothing_keeps_the_version(client, administration):
    created = await create_assessment(client, administration)
    url = f"{ASSESSMENTS}/{created.json()['id']}"
    response = await client.patch(url, json={"title": ASSESSMENT["title"]}, headers=with_etag(administration, created))
    assert response.status_code == 200 and response.json()["row_version"] == 1


async def test_assessment_update_needs_a_current_if_match(client, app, administration):
    created = await create_assessment(client, administration)
    url = f"{ASSESSMENTS}/{created.json()['id']}"
    assert_problem(await client.patch(url, json={"title": "X"}, headers=administration), 428)
    assert_problem(await client.patch(url, json={"title": "X"}, headers=administration | {"If-Match": '"stale.0"'}), 412)
    assert [row.title for row in await stored_assessments(app)] == [ASSESSMENT["title"]]


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"title": None}, "#/title"),
        ({"title": ""}, "#/title"),
        ({"year": 2028}, "#/year"),
        ({"board_org_unit_id": OTHER_BOARD}, "#/board_org_unit_id"),
    ],
)
async def test_invalid_assessment_update_is_refused_and_changes_nothing(client, app, administration, changes, pointer):
    created = await create_assessment(client, administration)
    response = await client.patch(f"{ASSESSMENTS}/{created.json()['id']}", json=changes, headers=with_etag(administration, created))
    assert_problem(response, 422)
    assert pointer in pointers(response)
    [row] = await stored_assessments(app)
    assert (row.title, row.year, str(row.board_org_unit_id), row.row_version) == (ASSESSMENT["title"], 2027, BOARD, 1)


async def test_assessment_writes_out_of_scope_are_refused(client, app, as_role, administration, reader_not_writer):
    created = await create_assessment(client, administration)
    url = f"{ASSESSMENTS}/{created.json()['id']}"
    # Readable but not writable: the refusal names the scope; unreadable: not disclosed.
    assert_problem(await client.patch(url, json={"title": "X"}, headers=with_etag(reader_not_writer, created)), 403, "outside your scope")
    outsider = out_of_scope(as_role, Role.FORVALTNING)
    assert_problem(await client.patch(url, json={"title": "X"}, headers=with_etag(outsider, created)), 404)
    assert_problem(await client.delete(url, headers=with_etag(outsider, created)), 404)
    assert_problem(await client.patch(url, json={"title": "X"}, headers=with_etag(as_role(Role.REVISOR), created)), 403)
    assert_problem(
        await client.patch(f"{ASSESSMENTS}/{uuid.uuid4()}", json={"title": "X"}, headers=administration | {"If-Match": "*"}), 404
    )
    [row] = await stored_assessments(app)
    assert row.title == ASSESSMENT["title"] and row.row_version == 1


async def test_assessment_without_controlled_risks_is_deleted_with_its_risks(client, app, as_role, administration):
    created = await create_assessment(client, administration)
    assessment_id = created.json()["id"]
    await add_risk(client, administration, assessment_id)
    assert_problem(await client.delete(f"{ASSESSMENTS}/{assessment_id}", headers=administration), 428)
    response = await client.delete(f"{ASSESSMENTS}/{assessment_id}", headers=with_etag(administration, created))
    assert response.status_code == 204
    assert await stored_assessments(app) == [] and await stored_risks(app) == []
    delete = (await audit_events(client, as_role, entity_type="risk_assessment"))[0]
    assert delete["action"] == "DELETE" and delete["after"] is None
    assert [r["process"] for r in delete["before"]["risks"]] == ["Inköp"]


async def test_assessment_with_a_risk_addressed_by_a_control_activity_is_kept(client, app, administration):
    created = await create_assessment(client, administration)
    risk = (await add_risk(client, administration, created.json()["id"])).json()
    await control_activity_for(app, risk["id"])
    response = await client.delete(f"{ASSESSMENTS}/{created.json()['id']}", headers=with_etag(administration, created))
    assert_problem(response, 409, "addressed by control activities is kept", type_="rule-violation")
    assert len(await stored_assessments(app)) == 1 and len(await stored_risks(app)) == 1


# --- copy to next year --------------------------------------------------------------------


async def test_assessment_is_copied_to_next_year_with_its_risks(client, as_role, administration, board):
    created = (await create_assessment(client, administration)).json()
    await add_risk(client, administration, created["id"])
    await add_risk(client, administration, created["id"], process="Lön", likelihood=2, consequence=1, decision="ACCEPT")
    response = await client.post(f"{ASSESSMENTS}/{created['id']}/copy-to-next-year", headers=board)
    assert response.status_code == 201, response.text
    copy = response.json()
    assert (copy["board_org_unit_id"], copy["year"], copy["title"]) == (BOARD, 2028, "Risk- och väsentlighetsanalys 2028")
    assert response.headers["location"] == f"{ASSESSMENTS}/{copy['id']}"
    fields = ("process", "likelihood", "consequence", "decision", "decision_note", "value")
    original = (await client.get(f"{ASSESSMENTS}/{created['id']}", headers=board)).json()
    assert [[r[f] for f in fields] for r in copy["risks"]] == [[r[f] for f in fields] for r in original["risks"]]
    assert {r["id"] for r in copy["risks"]}.isdisjoint({r["id"] for r in original["risks"]})
    [event] = await audit_events(client, as_role, entity_id=copy["id"])
    assert event["action"] == "COPY" and event["after"]["copied_from"] == created["id"] and len(event["after"]["risks"]) == 2


async def test_copy_when_next_years_assessment_exists_is_refused(client, app, administration):
    created = (await create_assessment(client, administration)).json()
    await add_risk(client, administration, created["id"])
    await create_assessment(client, administration, year=2028)
    response = await client.post(f"{ASSESSMENTS}/{created['id']}/copy-to-next-year", headers=administration)
    assert_problem(response, 409, "one risk assessment per board and year")
    assert len(await stored_assessments(app)) == 2 and len(await stored_risks(app)) == 1


async def test_copy_is_refused_outside_scope_policy_and_for_unknown_ids(client, app, as_role, administration, reader_not_writer):
    created = (await create_assessment(client, administration)).json()
    url = f"{ASSESSMENTS}/{created['id']}/copy-to-next-year"
    assert_problem(await client.post(url, headers=as_role(Role.ENHET, BOARD, [BOARD])), 403, type_="role-not-allowed")
    assert_problem(await client.post(url, headers=reader_not_writer), 403, "outside your scope")
    assert_problem(await client.post(url, headers=out_of_scope(as_role, Role.NAMND)), 404)
    assert_problem(await client.post(f"{ASSESSMENTS}/{uuid.uuid4()}/copy-to-next-year", json={}, headers=administration), 404)
    assert_problem(await client.post(f"{ASSESSMENTS}/x/copy-to-next-year", headers=administration), 422)
    assert len(await stored_assessments(app)) == 1


# --- risks --------------------------------------------------------------------------------


async def test_administration_adds_a_risk_valued_on_the_scales(client, as_role, administration):
    created = (await create_assessment(client, administration)).json()
    response = await client.post(f"{ASSESSMENTS}/{created['id']}/risks", json=RISK, headers=administration)
    assert response.status_code == 201, response.text
    risk = response.json()
    assert {k: risk[k] for k in RISK} == RISK
    assert (risk["value"], risk["band"], risk["controlled"]) == (9, {"label": "Hög", "colour": "#EF6C00"}, False)
    assert response.headers["location"] == f"{RISKS}/{risk['id']}"
    assert response.headers["etag"] == f'"{risk["id"]}.1"'
    [event] = await audit_events(client, as_role, entity_type="risk")
    assert event["action"] == "CREATE" and event["after"]["likelihood"] == 3


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"likelihood": 0}, "#/likelihood"),
        ({"likelihood": 5}, "#/likelihood"),
        ({"consequence": 0}, "#/consequence"),
        ({"consequence": 5}, "#/consequence"),
        ({"decision": "MITIGATE"}, "#/decision"),
        ({"process": ""}, "#/process"),
    ],
)
async def test_risk_outside_the_scales_is_refused_with_a_pointer(client, app, administration, changes, pointer):
    created = (await create_assessment(client, administration)).json()
    response = await client.post(f"{ASSESSMENTS}/{created['id']}/risks", json=RISK | changes, headers=administration)
    assert_problem(response, 422)
    assert pointers(response) == {pointer}
    assert await stored_risks(app) == []


async def test_empty_body_creates_no_risk(client, app, administration):
    created = (await create_assessment(client, administration)).json()
    response = await client.post(f"{ASSESSMENTS}/{created['id']}/risks", json={}, headers=administration)
    assert_problem(response, 422)
    assert {"#/likelihood", "#/consequence", "#/decision"} <= pointers(response)
    assert await stored_risks(app) == []


@pytest.mark.parametrize(("likelihood", "consequence"), [(5, 2), (2, 0)])
async def test_the_database_refuses_a_risk_outside_the_scales(client, app, administration, likelihood, consequence):
    created = (await create_assessment(client, administration)).json()
    async with app.state.sessionmaker() as s:
        s.add(
            Risk(
                assessment_id=uuid.UUID(created["id"]),
                process="P",
                description="D",
                likelihood=likelihood,
                consequence=consequence,
                decision="ACCEPT",
                created_by="t",
                updated_by="t",
            )
        )
        with pytest.raises(IntegrityError):
            await s.commit()


async def test_risk_writes_into_an_assessment_are_refused_outside_scope(client, app, as_role, administration, reader_not_writer):
    created = (await create_assessment(client, administration)).json()
    url = f"{ASSESSMENTS}/{created['id']}/risks"
    assert_problem(await client.post(url, json=RISK, headers=reader_not_writer), 403, "outside your scope")
    assert_problem(await client.post(url, json=RISK, headers=out_of_scope(as_role, Role.FORVALTNING)), 404)
    assert_problem(await client.post(url, json=RISK, headers=as_role(Role.REVISOR)), 403, type_="role-not-allowed")
    assert_problem(await client.post(f"{ASSESSMENTS}/{uuid.uuid4()}/risks", json=RISK, headers=administration), 404)
    assert await stored_risks(app) == []


async def test_risk_is_read_with_its_etag(client, as_role, administration):
    created = (await create_assessment(client, administration)).json()
    risk = (await add_risk(client, administration, created["id"])).json()
    response = await client.get(f"{RISKS}/{risk['id']}", headers=as_role(Role.REVISOR))
    assert response.status_code == 200 and response.json() == risk
    assert response.headers["etag"] == f'"{risk["id"]}.1"'
    assert_problem(await client.get(f"{RISKS}/{uuid.uuid4()}", headers=administration), 404)
    assert_problem(await client.get(f"{RISKS}/1", headers=administration), 422)
    assert_problem(await client.get(f"{RISKS}/{risk['id']}", headers=as_role(Role.ADMIN)), 403)


async def test_risk_is_reassessed_with_if_match_and_audited(client, as_role, administration, board):
    created = (await create_assessment(client, administration)).json()
    added = await add_risk(client, administration, created["id"])
    url = f"{RISKS}/{added.json()['id']}"
    response = await client.patch(
        url, json={"likelihood": 4, "decision": "ACCEPT", "decision_note": "Låg kostnad."}, headers=with_etag(board, added)
    )
    assert response.status_code == 200, response.text
    risk = response.json()
    assert (risk["value"], risk["band"]["label"], risk["decision"], risk["row_version"]) == (12, "Mycket hög", "ACCEPT", 2)
    update = (await audit_events(client, as_role, entity_type="risk"))[0]
    assert update["action"] == "UPDATE"
    assert (update["before"]["likelihood"], update["after"]["likelihood"]) == (3, 4)


async def test_risk_update_that_changes_nothing_keeps_the_version(client, administration):
    created = (await create_assessment(client, administration)).json()
    added = await add_risk(client, administration, created["id"])
    response = await client.patch(f"{RISKS}/{added.json()['id']}", json={"likelihood": 3}, headers=with_etag(administration, added))
    assert response.status_code == 200 and response.json()["row_version"] == 1


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"likelihood": 5}, "#/likelihood"),
        ({"consequence": 0}, "#/consequence"),
        ({"decision": None}, "#/decision"),
        ({"value": 9}, "#/value"),
    ],
)
async def test_invalid_risk_update_is_refused_and_changes_nothing(client, app, administration, changes, pointer):
    created = (await create_assessment(client, administration)).json()
    added = await add_risk(client, administration, created["id"])
    response = await client.patch(f"{RISKS}/{added.json()['id']}", json=changes, headers=with_etag(administration, added))
    assert_problem(response, 422)
    assert pointers(response) == {pointer}
    [row] = await stored_risks(app)
    assert (row.likelihood, row.consequence, row.decision, row.row_version) == (3, 3, "CONTROL", 1)


async def test_risk_update_needs_a_current_if_match_and_scope(client, app, as_role, administration, reader_not_writer):
    created = (await create_assessment(client, administration)).json()
    added = await add_risk(client, administration, created["id"])
    url = f"{RISKS}/{added.json()['id']}"
    assert_problem(await client.patch(url, json={"likelihood": 1}, headers=administration), 428)
    assert_problem(await client.patch(url, json={"likelihood": 1}, headers=administration | {"If-Match": '"x.9"'}), 412)
    assert_problem(await client.patch(url, json={"likelihood": 1}, headers=with_etag(reader_not_writer, added)), 403, "outside your scope")
    assert_problem(await client.patch(url, json={"likelihood": 1}, headers=with_etag(out_of_scope(as_role, Role.NAMND), added)), 404)
    assert_problem(await client.patch(f"{RISKS}/{uuid.uuid4()}", json={"likelihood": 1}, headers=administration | {"If-Match": "*"}), 404)
    [row] = await stored_risks(app)
    assert row.likelihood == 3 and row.row_version == 1


async def test_a_risk_addressed_by_a_control_activity_cannot_be_accepted(client, app, administration):
    created = (await create_assessment(client, administration)).json()
    added = await add_risk(client, administration, created["id"])
    await control_activity_for(app, added.json()["id"])
    url = f"{RISKS}/{added.json()['id']}"
    response = await client.patch(url, json={"decision": "ACCEPT", "likelihood": 1}, headers=with_etag(administration, added))
    assert_problem(response, 409, "a risk addressed by a control activity cannot be accepted", type_="rule-violation")
    [row] = await stored_risks(app)
    assert (row.decision, row.likelihood, row.row_version) == ("CONTROL", 3, 1)
    # Reassessing it stays possible.
    reassessed = await client.patch(url, json={"likelihood": 2}, headers=with_etag(administration, added))
    assert reassessed.status_code == 200 and reassessed.json()["controlled"] is True


async def test_a_risk_without_control_activities_is_deleted_with_if_match(client, app, as_role, administration):
    created = (await create_assessment(client, administration)).json()
    added = await add_risk(client, administration, created["id"])
    url = f"{RISKS}/{added.json()['id']}"
    assert_problem(await client.delete(url, headers=administration), 428)
    assert_problem(await client.delete(url, headers=with_etag(as_role(Role.ENHET, BOARD, [BOARD]), added)), 403)
    assert (await client.delete(url, headers=with_etag(administration, added))).status_code == 204
    assert await stored_risks(app) == []
    delete = (await audit_events(client, as_role, entity_type="risk"))[0]
    assert delete["action"] == "DELETE" and delete["before"]["process"] == "Inköp"
    assert_problem(await client.delete(url, headers=administration | {"If-Match": "*"}), 404)


async def test_a_risk_addressed_by_a_control_activity_cannot_be_deleted(client, app, administration):
    created = (await create_assessment(client, administration)).json()
    added = await add_risk(client, administration, created["id"])
    await control_activity_for(app, added.json()["id"])
    response = await client.delete(f"{RISKS}/{added.json()['id']}", headers=with_etag(administration, added))
    assert_problem(response, 409, "a risk addressed by a control activity cannot be deleted", type_="rule-violation")
    assert len(await stored_risks(app)) == 1


# --- the whole area -----------------------------------------------------------------------


def area_operations(app):
    return [
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        if path.startswith((ASSESSMENTS, RISKS + "/", SCALES))
        for method in item
    ]


async def test_every_operation_without_an_identity_is_401(client, app):
    operations = area_operations(app)
    assert len(operations) == 13
    for method, path in operations:
        concrete = path.replace("{assessment_id}", str(uuid.uuid4())).replace("{risk_id}", str(uuid.uuid4()))
        response = await client.request(method, concrete, json={} if method in ("POST", "PATCH") else None)
        assert_problem(response, 401)


async def test_every_operation_declares_roles_and_problem_responses(client, as_role):
    schema = (await client.get("/openapi.json", headers=as_role(Role.REVISOR))).json()
    operations = {
        op["operationId"]: op
        for path, item in schema["paths"].items()
        if path.startswith((ASSESSMENTS, RISKS + "/", SCALES))
        for op in item.values()
    }
    roles = {operation_id: set(op["x-roles"]) for operation_id, op in operations.items()}
    readers = {"fullmaktige", "namnd", "forvaltning", "enhet", "revisor"}
    assert roles["risk-assessments-get-risk-scales"] == {r.value for r in Role}
    assert (
        roles["risk-assessments-list-risk-assessments"]
        == roles["risk-assessments-get-risk-matrix"]
        == roles["risk-assessments-get-risk"]
        == roles["risk-assessments-list-risks"]
        == readers
    )
    writers = {"namnd", "forvaltning"}
    for name in (
        "create-risk-assessment",
        "update-risk-assessment",
        "delete-risk-assessment",
        "copy-risk-assessment-to-next-year",
        "create-risk",
        "update-risk",
        "delete-risk",
    ):
        assert roles[f"risk-assessments-{name}"] == writers, name
    for operation_id, operation in operations.items():
        statuses = ("401", "403") if operation_id == "risk-assessments-get-risk-scales" else ("401", "403", "422")
        for status in statuses:
            assert "application/problem+json" in operation["responses"][status]["content"], (operation_id, status)


def test_a_band_written_wrongly_is_refused_naming_it():
    settings = SimpleNamespace(**DEFAULT_LABELS, risk_bands="1-3 Låg #2E7D32; 4–16 red")
    with pytest.raises(ValueError, match="from-to label #rrggbb"):
        scales_of(settings)
