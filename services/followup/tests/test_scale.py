"""The goal-assessment scale: the default traffic light with "ej bedömt", replaced as a whole by
admin or fullmaktige; each rule shown refused with nothing changed."""

import pytest

from followup_service.scale import service
from services.followup.tests.support.cycle import API, add_report, audit_events, council, make_cycle, occasion_of, stored
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers

FIVE_STEPS = [
    {"code": "HELT_UPPFYLLT", "label_sv": "Helt uppfyllt", "colour": "#1B5E20"},
    {"code": "UPPFYLLT", "label_sv": "Uppfyllt", "colour": "#2e7d32"},
    {"code": "DELVIS_UPPFYLLT", "label_sv": "Delvis uppfyllt", "colour": "#f9a825"},
    {"code": "EJ_UPPFYLLT", "label_sv": "Ej uppfyllt", "colour": "#c62828"},
    {"code": "EJ_BEDOMT", "label_sv": "Ej bedömt", "colour": "#9e9e9e", "assessed": False},
]


async def _put(client, headers, levels, if_match="*"):
    extra = {"If-Match": if_match} if if_match else {}
    return await client.put(f"{API}/assessment-scale", json={"levels": levels}, headers={**headers, **extra})


async def _refused(client, as_role, app, levels, status, detail=None):
    before = await stored(app)
    response = await _put(client, as_role(Role.ADMIN), levels)
    assert_problem(response, status, detail)
    assert await stored(app) == before
    return response


@pytest.mark.parametrize("role", list(Role))
async def test_every_role_reads_the_default_scale(client, as_role, role):
    response = await client.get(f"{API}/assessment-scale", headers=as_role(role))

    assert response.status_code == 200 and response.headers["etag"]
    body = response.json()
    assert body["default"] is True
    assert [(lv["code"], lv["label_sv"], lv["assessed"]) for lv in body["levels"]] == [
        ("UPPFYLLT", "Uppfyllt", True),
        ("DELVIS_UPPFYLLT", "Delvis uppfyllt", True),
        ("EJ_UPPFYLLT", "Ej uppfyllt", True),
        ("EJ_BEDOMT", "Ej bedömt", False),
    ]
    assert [lv["position"] for lv in body["levels"]] == [0, 1, 2, 3]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.FULLMAKTIGE])
async def test_admin_or_the_council_replaces_the_scale(client, as_role, app, role):
    version = (await client.get(f"{API}/assessment-scale", headers=as_role(role))).headers["etag"]

    response = await _put(client, as_role(role), FIVE_STEPS, if_match=version)

    assert response.status_code == 200, response.text
    assert response.json()["default"] is False
    assert [lv["code"] for lv in response.json()["levels"]] == [lv["code"] for lv in FIVE_STEPS]
    assert response.json()["levels"][0]["colour"] == "#1b5e20"
    assert response.headers["etag"] != version
    (event,) = await audit_events(app, "assessment_scale")
    assert len(event.before["levels"]) == 4 and len(event.after["levels"]) == 5
    async with app.state.sessionmaker() as session:
        assert [lv.code for lv in await service.current_scale(session)] == [lv["code"] for lv in FIVE_STEPS]


@pytest.mark.parametrize("role", [Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR])
async def test_the_scale_is_replaced_only_by_admin_or_the_council(client, as_role, app, role):
    before = await stored(app)
    assert_problem(await _put(client, as_role(role), FIVE_STEPS), 403)
    assert await stored(app) == before


async def test_the_scale_is_replaced_under_if_match(client, as_role, app):
    before = await stored(app)
    assert_problem(await _put(client, as_role(Role.ADMIN), FIVE_STEPS, if_match=None), 428)
    assert_problem(await _put(client, as_role(Role.ADMIN), FIVE_STEPS, if_match='"scale.old"'), 412)
    assert await stored(app) == before


@pytest.mark.parametrize("count", [1, 8])
async def test_a_scale_holds_two_to_seven_levels(client, as_role, app, count):
    levels = [{"code": f"L{i}", "label_sv": f"Nivå {i}", "colour": "#000000"} for i in range(count)]
    response = await _refused(client, as_role, app, levels, 422)
    assert pointers(response) == {"#/levels"}


async def test_level_codes_are_unique(client, as_role, app):
    response = await _refused(client, as_role, app, [FIVE_STEPS[0], FIVE_STEPS[1], FIVE_STEPS[1]], 422, "appears twice")
    assert pointers(response) == {"#/levels/2/code"}


async def test_colours_are_rrggbb(client, as_role, app):
    response = await _refused(client, as_role, app, [FIVE_STEPS[0], {**FIVE_STEPS[1], "colour": "green"}], 422)
    assert pointers(response) == {"#/levels/1/colour"}


async def test_a_scale_has_an_assessment(client, as_role, app):
    not_assessed = [{**level, "assessed": False} for level in FIVE_STEPS[:2]]
    await _refused(client, as_role, app, not_assessed, 409, "at least one level that is an assessment")


async def test_a_scale_has_one_level_that_is_no_assessment_at_most(client, as_role, app):
    levels = [*FIVE_STEPS, {"code": "KAN_EJ_MATAS", "label_sv": "Kan ej mätas", "colour": "#ffffff", "assessed": False}]
    await _refused(client, as_role, app, levels, 409, "at most 1 level that is no assessment")


async def test_a_level_goals_were_assessed_on_stays(client, as_role, app):
    cycle = await make_cycle(client, council(as_role))
    await add_report(app, occasion_of(cycle, "INTERIM")["id"], status="DRAFT", level_codes=("EJ_UPPFYLLT",))
    without = [level for level in FIVE_STEPS if level["code"] != "EJ_UPPFYLLT"]

    await _refused(client, as_role, app, without, 409, "level EJ_UPPFYLLT is used by goal assessments and cannot be removed")
    flipped = [{**level, "assessed": False} if level["code"] == "EJ_UPPFYLLT" else {**level, "assessed": True} for level in FIVE_STEPS]
    await _refused(client, as_role, app, flipped, 409, "level EJ_UPPFYLLT is used by goal assessments")
    kept = await _put(client, as_role(Role.ADMIN), [{**level, "label_sv": level["label_sv"].upper()} for level in FIVE_STEPS])
    assert kept.status_code == 200, kept.text


async def test_current_scale_is_the_default_until_one_is_stored(app):
    async with app.state.sessionmaker() as session:
        assert await service.current_scale(session) == list(service.DEFAULT_SCALE)
