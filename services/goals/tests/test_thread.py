"""The thread (röd tråd): vision → municipal goal → board goal → unit goal → activity, read down for
a year and walked up from any node. Other areas' rows are the starting point (factories)."""

from __future__ import annotations

import datetime as dt
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event

from goals_service.goals.models import Goal
from goals_service.thread.schemas import ThreadRead
from goals_service.vision.models import VisionVersion
from services.goals.tests import factories
from styrkedjan_common.identity import Role
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import ORGANISATION, assert_problem, org_unit

API = "/api/goals/v1"
THREAD = f"{API}/thread"
UPWARD = f"{THREAD}/upward"
BOARD_A = uuid.UUID(org_unit(OrgUnitType.BOARD, "Barn- och utbildningsnämnden"))
BOARD_B = uuid.UUID(org_unit(OrgUnitType.BOARD))  # Kultur- och fritidsnämnden
UNIT_A = uuid.UUID(org_unit(OrgUnitType.UNIT, "Kolbäcksskolan", parent=str(BOARD_A)))  # a school under board A
COUNCIL = uuid.UUID(org_unit(OrgUnitType.COUNCIL))


def named(unit: uuid.UUID) -> dict[str, str]:
    """A unit's name as the thread shows it beside its id."""
    known = ORGANISATION.get(str(unit))
    return {"id": str(unit), "name": known.name, "short_name": known.short_name, "type": known.type}


def vision(
    revision: int = 1, status: Status = Status.DECIDED, text: str = "Hallstahammar – en plats att leva, verka och bo på."
) -> VisionVersion:
    return VisionVersion(
        id=uuid.uuid4(),
        revision=revision,
        status=status.value,
        horizon_start_year=2025,
        horizon_end_year=2036,
        text=text,
        core_values=[],
        decision_body="Kommunfullmäktige",
        decision_date=dt.date(2024, 6, 10),
        decision_reference=f"KF § {revision}",
        created_by=factories.AUTHOR,
        updated_by=factories.AUTHOR,
    )


async def add_in_order(app, *stages: list[Any]) -> None:
    """Rows without mapped relationships: each stage is written after the rows it refers to."""
    for rows in stages:
        await factories.add(app, *rows)


@dataclass
class Municipality:
    period: Any
    vision: Any
    m_attractive: Any
    m_sustainable: Any
    b_school: Any  # board A, serves both municipal goals
    b_closed: Any  # board A, closed (achieved)
    b_culture: Any  # board B
    b_alone: Any  # board B, links to nothing
    u_reading: Any  # unit A, under b_school
    u_under_alone: Any  # unit A, under the unlinked board goal
    u_alone: Any  # unit A, links to nothing
    draft: Any
    grades: Any  # use of "Betyg" on b_school by board A
    grades_strict: Any  # the same values, by unit A with a stricter near share
    absence: Any  # use of "Sjukfrånvaro" on u_reading
    quality_use: Any  # a use for a quality factor, not on the thread
    reading_week: Any  # activity serving u_reading
    shared: Any  # activity serving b_school and u_reading
    unlinked_activity: Any
    draft_activity: Any  # serves only a draft goal


@pytest.fixture
async def town(app) -> Municipality:
    period = factories.mandate_period()
    decided_vision = vision()
    old_vision = vision(revision=0, status=Status.ARCHIVED, text="Den gamla visionen")
    draft_vision = vision(revision=2, status=Status.DRAFT, text="Ett utkast")
    m_attractive, _ = factories.goal(
        COUNCIL, level="MUNICIPAL", period=period, start_year=2027, end_year=2030, title="Attraktiv kommun", sdgs=[11]
    )
    m_sustainable, _ = factories.goal(
        COUNCIL, level="MUNICIPAL", period=period, start_year=2027, end_year=2030, title="Hållbar kommun", sdgs=[13]
    )
    b_school, school_links = factories.goal(
        BOARD_A, start_year=2027, end_year=2028, title="Fler elever klarar skolan", contributes_to=(m_attractive, m_sustainable)
    )
    b_closed, closed_links = factories.goal(BOARD_A, title="Alla elever har en dator", contributes_to=(m_attractive,))
    b_closed.closed_at, b_closed.closed_reason = dt.datetime(2027, 5, 1, tzinfo=dt.UTC), "ACHIEVED"
    b_culture, culture_links = factories.goal(BOARD_B, title="Ett rikt kulturliv", contributes_to=(m_sustainable,))
    b_alone, _ = factories.goal(BOARD_B, title="Fler besökare i biblioteket")
    u_reading, reading_links = factories.goal(UNIT_A, level="UNIT", title="Alla elever läser varje dag", contributes_to=(b_school,))
    u_under_alone, under_alone_links = factories.goal(UNIT_A, level="UNIT", title="Skolbiblioteket är öppet", contributes_to=(b_alone,))
    u_alone, _ = factories.goal(UNIT_A, level="UNIT", title="Trygg skolgård")
    draft, draft_links = factories.goal(BOARD_A, status=Status.DRAFT, title="Ett utkast", contributes_to=(m_attractive,))
    archived, _ = factories.goal(BOARD_A, status=Status.ARCHIVED, title="Ett arkiverat mål", contributes_to=(m_attractive,))
    next_year, next_links = factories.goal(BOARD_A, start_year=2028, end_year=2028, title="Nästa års mål", contributes_to=(m_attractive,))

    grades_indicator = factories.indicator(name="Andel elever med godkända betyg")
    absence_indicator = factories.indicator(name="Sjukfrånvaro", direction="LOWER_IS_BETTER", gender_split=False)
    grades = factories.indicator_use(grades_indicator, BOARD_A, goal_=b_school)
    grades_strict = factories.indicator_use(grades_indicator, UNIT_A, goal_=b_school)
    grades_strict.thresholds = {"near_target_share": "0.95"}
    absence = factories.indicator_use(absence_indicator, UNIT_A, goal_=u_reading)
    quality = factories.quality_factor(BOARD_A)
    quality_use = factories.indicator_use(absence_indicator, BOARD_A, quality_factor_=quality)
    values = []
    for use in (grades, grades_strict):
        values += [
            factories.target(use, 2027, "85"),
            factories.target(use, 2028, "90"),
            factories.outcome(use, 2025, "70"),
            factories.outcome(use, 2026, "80"),
            factories.outcome(use, 2028, "95"),
        ]
    values += [
        factories.target(absence, 2027, "6"),
        factories.outcome(absence, 2026, "5.0", period="2026-T3", period_index=12),
        factories.outcome(absence, 2027, "6.4", period="2027-T1", period_index=4),
        factories.outcome(absence, 2027, "5.5", period="2027-T2", period_index=8),
    ]
    reading_week, reading_week_links = factories.activity(
        UNIT_A, goals=(u_reading,), title="Läsvecka", start=dt.date(2027, 3, 1), end=dt.date(2027, 3, 7)
    )
    shared, shared_links = factories.activity(BOARD_A, goals=(b_school, u_reading), title="Läslyftet")
    old, old_links = factories.activity(
        UNIT_A, goals=(u_reading,), title="Förra årets insats", start=dt.date(2025, 1, 1), end=dt.date(2026, 12, 31)
    )
    unlinked_activity, _ = factories.activity(UNIT_A, title="Städdag")
    draft_activity, draft_activity_links = factories.activity(BOARD_A, goals=(draft,), title="Planeras")

    await add_in_order(
        app,
        [period, old_vision],
        [
            decided_vision,
            draft_vision,
            quality,
            grades_indicator,
            absence_indicator,
            m_attractive,
            m_sustainable,
            b_school,
            b_closed,
            b_culture,
            b_alone,
            u_reading,
            u_under_alone,
            u_alone,
            draft,
            archived,
            next_year,
        ],
        [
            *school_links,
            *closed_links,
            *culture_links,
            *reading_links,
            *under_alone_links,
            *draft_links,
            *next_links,
            grades,
            grades_strict,
            absence,
            quality_use,
            reading_week,
            shared,
            old,
            unlinked_activity,
            draft_activity,
        ],
        [*values, *reading_week_links, *shared_links, *old_links, *draft_activity_links],
    )
    return Municipality(
        period,
        decided_vision,
        m_attractive,
        m_sustainable,
        b_school,
        b_closed,
        b_culture,
        b_alone,
        u_reading,
        u_under_alone,
        u_alone,
        draft,
        grades,
        grades_strict,
        absence,
        quality_use,
        reading_week,
        shared,
        unlinked_activity,
        draft_activity,
    )


@pytest.fixture
def reader(as_role):
    return as_role(Role.ENHET, UNIT_A, [str(UNIT_A)])


async def read_thread(client, headers, **params):
    response = await client.get(THREAD, params={"year": 2027, **params}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert ThreadRead.model_validate(body).model_dump(mode="json") == body  # exactly the documented contract
    return body


def titles(goals):
    return [goal["title"] for goal in goals]


def by_title(goals):
    return {goal["title"]: goal for goal in goals}


# --- down from the vision -----------------------------------------------------------------


async def test_thread_runs_from_the_vision_through_the_levels_to_activities(client, town, reader):
    body = await read_thread(client, reader)
    assert body["year"] == 2027 and body["org_unit_id"] is None and body["ancestors"] == []
    assert body["vision"] == {
        "id": str(town.vision.id),
        "revision": 1,
        "text": town.vision.text,
        "horizon_start_year": 2025,
        "horizon_end_year": 2036,
    }
    assert body["mandate_period"] == {"id": str(town.period.id), "name": "Mandatperiod 2027–2030", "start_year": 2027, "end_year": 2030}
    assert titles(body["goals"]) == ["Attraktiv kommun", "Hållbar kommun"]
    attractive = body["goals"][0]
    assert attractive["level"] == "MUNICIPAL" and attractive["contributes_to"] == []
    assert titles(attractive["contributing_goals"]) == ["Alla elever har en dator", "Fler elever klarar skolan"]
    school = by_title(attractive["contributing_goals"])["Fler elever klarar skolan"]
    assert school["id"] == str(town.b_school.id) and school["level"] == "BOARD" and school["owner_org_unit_id"] == str(BOARD_A)
    assert sorted(school["contributes_to"]) == sorted([str(town.m_attractive.lineage_id), str(town.m_sustainable.lineage_id)])
    assert school["year_target_level"] == "nivå 2027"
    assert titles(school["activities"]) == ["Läslyftet"]
    assert titles(school["contributing_goals"]) == ["Alla elever läser varje dag"]
    reading = school["contributing_goals"][0]
    assert reading["level"] == "UNIT" and reading["contributing_goals"] == []
    assert titles(reading["activities"]) == ["Läslyftet", "Läsvecka"]
    assert reading["activities"][1] == {
        "id": str(town.reading_week.id),
        "title": "Läsvecka",
        "owner_org_unit_id": str(UNIT_A),
        "owner_org_unit": named(UNIT_A),
        "start_date": "2027-03-01",
        "end_date": "2027-03-07",
        "status": "ONGOING",
        "sdgs": [],
    }


async def test_a_board_goal_serving_two_municipal_goals_appears_under_each(client, town, reader):
    body = await read_thread(client, reader)
    attractive, sustainable = body["goals"]
    assert "Fler elever klarar skolan" in titles(attractive["contributing_goals"])
    assert titles(sustainable["contributing_goals"]) == ["Ett rikt kulturliv", "Fler elever klarar skolan"]
    assert (
        by_title(sustainable["contributing_goals"])["Fler elever klarar skolan"]
        == by_title(attractive["contributing_goals"])["Fler elever klarar skolan"]
    )


async def test_goals_linking_to_nothing_above_are_listed_as_unlinked_per_level(client, town, reader):
    unlinked = (await read_thread(client, reader))["unlinked"]
    assert titles(unlinked["board"]) == ["Fler besökare i biblioteket"]
    assert titles(unlinked["board"][0]["contributing_goals"]) == ["Skolbiblioteket är öppet"]
    assert titles(unlinked["unit"]) == ["Trygg skolgård"]
    # Activities serving no goal in force (none, or only a draft) are kept too.
    assert titles(unlinked["activities"]) == ["Planeras", "Städdag"]


async def test_closed_goals_stay_in_the_thread_flagged(client, town, reader):
    attractive = (await read_thread(client, reader))["goals"][0]
    goals = by_title(attractive["contributing_goals"])
    assert (goals["Alla elever har en dator"]["closed"], goals["Alla elever har en dator"]["closed_reason"]) == (True, "ACHIEVED")
    assert (goals["Fler elever klarar skolan"]["closed"], goals["Fler elever klarar skolan"]["closed_reason"]) == (False, None)


async def test_drafts_archived_goals_other_years_and_past_activities_are_left_out(client, town, as_role):
    # Even the council, who may read every draft, sees the decided chain only.
    body = await read_thread(client, as_role(Role.FULLMAKTIGE))
    everything = str(body)
    for title in ("Ett utkast", "Ett arkiverat mål", "Nästa års mål", "Förra årets insats"):
        assert title not in everything


async def test_each_goal_shows_its_indicators_with_target_latest_outcome_status_and_trend(client, town, reader):
    body = await read_thread(client, reader)
    school = by_title(body["goals"][0]["contributing_goals"])["Fler elever klarar skolan"]
    grades = {indicator["use_id"]: indicator for indicator in school["indicators"]}
    assert grades[str(town.grades.id)] == {
        "use_id": str(town.grades.id),
        "indicator_id": str(town.grades.indicator_id),
        "name": "Andel elever med godkända betyg",
        "unit": "%",
        "direction": "HIGHER_IS_BETTER",
        "gender_split": True,
        "org_unit_id": str(BOARD_A),
        "org_unit": named(BOARD_A),
        "target": "85",
        # The latest outcome up to the year (2026's; 2028's is later), within 90 % of the year's target.
        "latest": {"period": "2026", "year": 2026, "total": "80", "women": None, "men": None},
        "status": "NEARLY_MET",
        "trend": "IMPROVING",
    }
    # The use's own near share (95 %) makes the same values not met.
    assert grades[str(town.grades_strict.id)]["status"] == "NOT_MET"
    absence = school["contributing_goals"][0]["indicators"]
    assert [(i["name"], i["latest"]["period"], i["latest"]["total"], i["target"], i["status"], i["trend"]) for i in absence] == [
        ("Sjukfrånvaro", "2027-T2", "5.5", "6", "MET", "IMPROVING"),
    ]


async def test_a_later_year_assesses_against_its_own_target(client, town, reader):
    body = await read_thread(client, reader, year=2028)
    assert titles(body["goals"]) == ["Attraktiv kommun", "Hållbar kommun"]
    school = body["goals"][0]["contributing_goals"]
    assert titles(school) == ["Fler elever klarar skolan", "Nästa års mål"]
    grades = next(i for i in school[0]["indicators"] if i["use_id"] == str(town.grades.id))
    assert (grades["target"], grades["latest"]["total"], grades["status"], grades["trend"]) == ("90", "95", "MET", "IMPROVING")


async def test_an_indicator_without_values_has_no_outcome_and_unknown_trend(client, app, town, reader):
    indicator = factories.indicator(name="Nöjdhet")
    await add_in_order(app, [indicator], [factories.indicator_use(indicator, BOARD_B, goal_=town.b_culture)])
    body = await read_thread(client, reader)
    culture = by_title(body["goals"][1]["contributing_goals"])["Ett rikt kulturliv"]
    assert [(i["target"], i["latest"], i["status"], i["trend"]) for i in culture["indicators"]] == [(None, None, "NO_OUTCOME", "UNKNOWN")]


async def test_thread_cut_to_a_board_holds_its_goals_and_everything_below(client, town, reader):
    body = await read_thread(client, reader, org_unit_id=str(BOARD_A))
    assert body["org_unit_id"] == str(BOARD_A)
    assert titles(body["goals"]) == ["Alla elever har en dator", "Fler elever klarar skolan"]
    school = body["goals"][1]
    assert titles(school["contributing_goals"]) == ["Alla elever läser varje dag"]
    assert titles(school["contributing_goals"][0]["activities"]) == ["Läslyftet", "Läsvecka"]
    assert [(a["level"], a["title"]) for a in body["ancestors"]] == [("MUNICIPAL", "Attraktiv kommun"), ("MUNICIPAL", "Hållbar kommun")]
    assert body["unlinked"] == {
        "board": [],
        "unit": [],
        "activities": [
            {**next(a for a in school["activities"] if a["title"] == "Läslyftet"), "id": str(town.draft_activity.id), "title": "Planeras"},
        ],
    }
    assert "Ett rikt kulturliv" not in str(body) and "Skolbiblioteket är öppet" not in str(body)


async def test_thread_cut_to_a_unit_lists_its_unlinked_goals_and_the_goals_above_for_context(client, town, reader):
    body = await read_thread(client, reader, org_unit_id=str(UNIT_A))
    assert titles(body["goals"]) == ["Alla elever läser varje dag", "Skolbiblioteket är öppet"]
    assert titles(body["unlinked"]["unit"]) == ["Trygg skolgård"]
    assert titles(body["unlinked"]["activities"]) == ["Städdag"]
    assert sorted((a["level"], a["title"]) for a in body["ancestors"]) == [
        ("BOARD", "Fler besökare i biblioteket"),
        ("BOARD", "Fler elever klarar skolan"),
        ("MUNICIPAL", "Attraktiv kommun"),
        ("MUNICIPAL", "Hållbar kommun"),
    ]
    indicators = body["goals"][0]["indicators"]
    assert [i["use_id"] for i in indicators] == [str(town.absence.id)]


async def test_thread_cut_to_an_org_unit_without_goals_is_empty(client, town, reader):
    body = await read_thread(client, reader, org_unit_id=str(uuid.uuid4()))
    assert (body["goals"], body["ancestors"], body["unlinked"]) == ([], [], {"board": [], "unit": [], "activities": []})
    assert body["vision"]["id"] == str(town.vision.id)


async def test_thread_of_a_municipality_without_a_vision_or_goals(client, reader):
    body = await read_thread(client, reader)
    assert (body["vision"], body["mandate_period"], body["goals"]) == (None, None, [])


@pytest.mark.parametrize("role", list(Role))
async def test_every_signed_in_role_reads_the_same_thread(client, town, as_role, role):
    body = await read_thread(client, as_role(role, UNIT_A, [str(UNIT_A)]))
    assert titles(body["goals"]) == ["Attraktiv kommun", "Hållbar kommun"]


async def test_thread_needs_a_signed_in_caller(client):
    assert_problem(await client.get(THREAD, params={"year": 2027}), 401)
    assert_problem(await client.get(UPWARD, params={"goal_id": str(uuid.uuid4())}), 401)


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({}, "#/query/year"),
        ({"year": "i år"}, "#/query/year"),
        ({"year": 1999}, "#/query/year"),
        ({"year": 2027, "org_unit_id": "skolan"}, "#/query/org_unit_id"),
    ],
)
async def test_thread_needs_a_valid_year_and_org_unit(client, reader, params, pointer):
    body = assert_problem(await client.get(THREAD, params=params, headers=reader), 422)
    assert pointer in {error["pointer"] for error in body["errors"]}


async def test_thread_operations_declare_every_role_and_say_decided_only(client, reader):
    schema = (await client.get("/openapi.json", headers=reader)).json()
    thread = schema["paths"][THREAD]["get"]
    assert thread["x-roles"] == [role.value for role in Role]
    assert "Decided goals only" in thread["description"]
    assert schema["paths"][UPWARD]["get"]["x-roles"] == [role.value for role in Role]


# --- up to the vision ---------------------------------------------------------------------


def upward_goals(body):
    return [(goal["distance"], goal["title"]) for goal in body["goals"]]


async def walk_up(client, headers, **params):
    response = await client.get(UPWARD, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_walk_up_from_an_activity_reaches_every_goal_above_the_period_and_the_vision(client, town, reader):
    body = await walk_up(client, reader, activity_id=str(town.reading_week.id))
    assert body["node"] == {
        "kind": "ACTIVITY",
        "id": str(town.reading_week.id),
        "title": "Läsvecka",
        "org_unit_id": str(UNIT_A),
        "org_unit": named(UNIT_A),
        "level": None,
        "status": "ONGOING",
        "contributes_to": [str(town.u_reading.lineage_id)],
    }
    assert upward_goals(body) == [
        (1, "Alla elever läser varje dag"),
        (2, "Fler elever klarar skolan"),
        (3, "Attraktiv kommun"),
        (3, "Hållbar kommun"),
    ]
    school = body["goals"][1]
    assert (school["id"], school["level"], school["status"], school["closed"]) == (str(town.b_school.id), "BOARD", "DECIDED", False)
    assert sorted(school["contributes_to"]) == sorted([str(town.m_attractive.lineage_id), str(town.m_sustainable.lineage_id)])
    assert body["mandate_period"]["id"] == str(town.period.id)
    assert body["vision"]["id"] == str(town.vision.id)


async def test_walk_up_from_an_activity_serving_two_levels_lists_each_goal_once(client, town, reader):
    body = await walk_up(client, reader, activity_id=str(town.shared.id))
    assert upward_goals(body) == [
        (1, "Fler elever klarar skolan"),
        (1, "Alla elever läser varje dag"),
        (2, "Attraktiv kommun"),
        (2, "Hållbar kommun"),
    ]


async def test_walk_up_from_an_indicator_use(client, town, reader):
    body = await walk_up(client, reader, indicator_use_id=str(town.absence.id))
    assert (body["node"]["kind"], body["node"]["title"], body["node"]["org_unit_id"]) == ("INDICATOR_USE", "Sjukfrånvaro", str(UNIT_A))
    assert body["node"]["contributes_to"] == [str(town.u_reading.lineage_id)]
    assert upward_goals(body)[:2] == [(1, "Alla elever läser varje dag"), (2, "Fler elever klarar skolan")]
    assert body["mandate_period"]["name"] == "Mandatperiod 2027–2030" and body["vision"] is not None


async def test_walk_up_from_a_quality_factor_use_reaches_only_the_vision(client, town, reader):
    body = await walk_up(client, reader, indicator_use_id=str(town.quality_use.id))
    assert (body["goals"], body["mandate_period"], body["vision"]["id"]) == ([], None, str(town.vision.id))


async def test_walk_up_from_a_goal_that_links_nowhere_finds_the_period_of_its_year(client, town, reader):
    body = await walk_up(client, reader, goal_id=str(town.u_alone.id))
    assert (body["node"]["kind"], body["node"]["level"], body["goals"]) == ("GOAL", "UNIT", [])
    assert body["mandate_period"]["id"] == str(town.period.id)


async def test_an_amended_goal_shows_its_decided_revision_both_ways(client, app, town, reader):
    amended, amended_links = factories.goal(BOARD_A, title="Fler elever klarar skolan, reviderat", contributes_to=(town.m_attractive,))
    amended.lineage_id, amended.revision, amended.replaces_id = town.b_school.lineage_id, 2, town.b_school.id
    async with app.state.sessionmaker() as session:
        (await session.get(Goal, town.b_school.id)).status = Status.ARCHIVED.value
        await session.commit()
    await add_in_order(app, [amended], amended_links)
    body = await walk_up(client, reader, activity_id=str(town.reading_week.id))
    assert upward_goals(body) == [(1, "Alla elever läser varje dag"), (2, "Fler elever klarar skolan, reviderat"), (3, "Attraktiv kommun")]
    assert (body["goals"][1]["id"], body["goals"][1]["revision"]) == (str(amended.id), 2)
    # Links name lineages: the unit goal below now hangs under the amended revision in the thread.
    school = by_title((await read_thread(client, reader))["goals"][0]["contributing_goals"])["Fler elever klarar skolan, reviderat"]
    assert (school["revision"], titles(school["contributing_goals"])) == (2, ["Alla elever läser varje dag"])


async def test_a_draft_goal_is_a_starting_point_only_for_those_who_may_read_it(client, town, as_role):
    in_scope = await walk_up(client, as_role(Role.NAMND, BOARD_A, [str(BOARD_A)]), goal_id=str(town.draft.id))
    assert (in_scope["node"]["status"], upward_goals(in_scope)) == ("DRAFT", [(1, "Attraktiv kommun")])
    outside = await client.get(UPWARD, params={"goal_id": str(town.draft.id)}, headers=as_role(Role.NAMND, BOARD_B, [str(BOARD_B)]))
    assert_problem(outside, 404, "no goal")


@pytest.mark.parametrize("kind", ["goal_id", "activity_id", "indicator_use_id"])
async def test_walk_up_from_an_unknown_node_is_not_found(client, town, reader, kind):
    assert_problem(await client.get(UPWARD, params={kind: str(uuid.uuid4())}, headers=reader), 404, "no ")


@pytest.mark.parametrize(
    "params", [{}, {"goal_id": "G", "activity_id": "A"}, {"goal_id": "G", "activity_id": "A", "indicator_use_id": "U"}]
)
async def test_walk_up_needs_exactly_one_node(client, town, reader, params):
    ids = {"G": str(town.b_school.id), "A": str(town.shared.id), "U": str(town.absence.id)}
    response = await client.get(UPWARD, params={name: ids[value] for name, value in params.items()}, headers=reader)
    body = assert_problem(response, 422, "exactly one node")
    assert {error["pointer"] for error in body["errors"]} == {"#/query/goal_id", "#/query/activity_id", "#/query/indicator_use_id"}


async def test_walk_up_with_a_malformed_id_is_a_422(client, reader):
    body = assert_problem(await client.get(UPWARD, params={"goal_id": "mål-1"}, headers=reader), 422)
    assert body["errors"][0]["pointer"] == "#/query/goal_id"


# --- bounded queries ------------------------------------------------------------------------


@contextmanager
def counted_statements(app):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def generated_goals(period: Any, indicator: Any, boards: int, units_per_board: int = 2) -> list[list[Any]]:
    """Three municipal goals and `boards` boards, each with a goal, unit goals, uses, values and activities."""
    municipal = [
        factories.goal(COUNCIL, level="MUNICIPAL", period=period, start_year=2027, end_year=2030, title=f"Mål {i}")[0] for i in range(3)
    ]
    goals, links, uses, values, activities, activity_links = [], [], [], [], [], []
    for b in range(boards):
        board_goal, board_links = factories.goal(uuid.uuid4(), title=f"Nämndmål {b}", contributes_to=(municipal[b % 3],))
        goals.append(board_goal)
        links += board_links
        for u in range(units_per_board):
            unit_goal, unit_links = factories.goal(uuid.uuid4(), level="UNIT", title=f"Enhetsmål {b}.{u}", contributes_to=(board_goal,))
            goals.append(unit_goal)
            links += unit_links
        for goal in goals[-units_per_board - 1 :]:
            use = factories.indicator_use(indicator, goal.owner_org_unit_id, goal_=goal)
            uses.append(use)
            values += [factories.target(use, 2027, "80"), factories.outcome(use, 2026, "70"), factories.outcome(use, 2027, "75")]
            activity, activity_goal_links = factories.activity(goal.owner_org_unit_id, goals=(goal,))
            activities.append(activity)
            activity_links += activity_goal_links
    return [[*municipal, *goals], [*links, *uses, *activities], [*values, *activity_links]]


async def test_the_thread_costs_the_same_number_of_statements_at_five_times_the_size(client, app, reader):
    period, indicator = factories.mandate_period(), factories.indicator()
    await add_in_order(app, [period, indicator, vision()])
    counts = []
    for added_boards, total_boards in ((2, 2), (8, 10)):
        await add_in_order(app, *generated_goals(period, indicator, added_boards))
        whole = await read_thread(client, reader)
        assert sum(len(goal["contributing_goals"]) for goal in whole["goals"]) == total_boards
        board = whole["goals"][0]["contributing_goals"][0]["owner_org_unit_id"]
        for params in ({}, {"org_unit_id": board}):
            with counted_statements(app) as statements:
                await read_thread(client, reader, **params)
            counts.append(len(statements))
    assert counts[0] == counts[2] and counts[1] == counts[3]
    assert counts[0] <= 10


async def test_the_walk_up_costs_one_statement_per_step(client, app, town, reader):
    await walk_up(client, reader, activity_id=str(town.reading_week.id))
    with counted_statements(app) as statements:
        await walk_up(client, reader, activity_id=str(town.reading_week.id))
    # The node, three steps up, the period, the vision.
    assert len(statements) == 6
