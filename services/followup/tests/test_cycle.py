"""The annual cycle (årshjul): the styrmodell's 22 steps made per year, planned, followed and
subscribed to. Each rule is shown refused: the problem names it and nothing changes."""

import datetime as dt

import icalendar
import pytest

from services.followup.tests.support.cycle import API, PAST_YEAR, YEAR, audit_events, council, make_cycle, patch, read, stored
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers

EVERY_ROLE = list(Role)


# --- the template ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", EVERY_ROLE)
async def test_every_signed_in_role_reads_the_template_of_22_steps(client, as_role, role):
    template, _ = await read(client, as_role(role), "/cycle-template")

    assert [s["number"] for s in template["steps"]] == list(range(1, 23))
    assert [s["number"] for s in template["steps"] if s["conditional"]] == [11, 14]
    assert {s["number"]: s["occasion"] for s in template["steps"] if s["occasion"]} == {
        16: "FORECAST", 17: "FORECAST", 18: "INTERIM", 19: "INTERIM", 20: "ANNUAL", 21: "ANNUAL", 22: "ANNUAL"
    }  # fmt: skip
    assert "verksamhetsår" in template["year_rule"]
    interim = next(o for o in template["occasions"] if o["kind"] == "INTERIM")
    assert interim["statutory"] and interim["period_end"] == {"year_offset": 0, "month": 8, "day": 31}
    forecast = next(o for o in template["occasions"] if o["kind"] == "FORECAST")
    assert {(d["month"], d["day"]) for d in forecast["period_end_alternatives"]} == {(3, 31), (4, 30)}


async def test_the_template_carries_the_seeds_questions_inflow_and_results(client, as_role):
    template, _ = await read(client, as_role(Role.ENHET), "/cycle-template")

    first = template["steps"][0]
    assert first["name_sv"] == "Omvärlds- och nulägesanalyser" and first["months"] == "Oct–Jan"
    assert first["question"].startswith("Hur ser nuläget") and "Delårsrapport" in first["inflow"] and "Nulägeskarta" in first["result"]
    assert template["steps"][6]["responsible_level"] == "council"  # KF decides mål och budget


# --- a year's cycle -------------------------------------------------------------------------------


async def test_the_council_makes_a_years_cycle_with_planned_dates_and_its_three_occasions(client, as_role, app):
    cycle = await make_cycle(client, council(as_role))

    steps = {s["number"]: s for s in cycle["steps"]}
    assert len(steps) == 22 and all(s["status"] == "PLANNED" for s in steps.values())
    # The cycle of verksamhetsår Y: planned in Y−2 and Y−1, followed up in Y and Y+1.
    assert (steps[1]["planned_start"], steps[1]["planned_end"]) == (f"{YEAR - 2}-10-01", f"{YEAR - 1}-01-31")
    assert (steps[7]["planned_start"], steps[7]["planned_end"]) == (f"{YEAR - 1}-06-01", f"{YEAR - 1}-06-30")
    assert (steps[16]["planned_start"], steps[16]["planned_end"]) == (f"{YEAR}-03-01", f"{YEAR}-04-30")
    assert (steps[22]["planned_start"], steps[22]["planned_end"]) == (f"{YEAR + 1}-03-01", f"{YEAR + 1}-03-31")
    assert [o["kind"] for o in cycle["occasions"]] == ["FORECAST", "INTERIM", "ANNUAL"]
    assert len(await audit_events(app, "cycle_step")) == 22 and len(await audit_events(app, "occasion")) == 3

    again, _ = await read(client, as_role(Role.REVISOR), f"/cycles/{YEAR}")
    assert [s["number"] for s in again["steps"]] == list(range(1, 23))


async def test_a_years_cycle_is_made_once(client, as_role, app):
    await make_cycle(client, council(as_role))
    before = await stored(app)

    response = await client.post(f"{API}/cycles/{YEAR}", headers=council(as_role))

    assert_problem(response, 409, "already exists")
    assert await stored(app) == before


@pytest.mark.parametrize("role", [Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR, Role.ADMIN])
async def test_only_the_council_makes_a_cycle(client, as_role, app, role):
    before = await stored(app)

    response = await client.post(f"{API}/cycles/{YEAR}", headers=as_role(role))

    assert_problem(response, 403)
    assert await stored(app) == before


async def test_fullmaktige_without_the_whole_municipality_in_scope_edits_no_cycle(client, as_role, app):
    before = await stored(app)

    response = await client.post(f"{API}/cycles/{YEAR}", headers=as_role(Role.FULLMAKTIGE, "root", scope=["root"]))

    assert_problem(response, 403, "whole municipality")
    assert await stored(app) == before


async def test_a_year_without_a_cycle_is_not_found(client, as_role):
    assert_problem(await client.get(f"{API}/cycles/{YEAR}", headers=as_role(Role.ENHET)), 404, f"no cycle for {YEAR}")
    assert_problem(await client.get(f"{API}/cycles/{YEAR}/calendar.ics", headers=as_role(Role.ENHET)), 404)


# --- lateness ---------------------------------------------------------------------------------------


async def test_a_step_past_its_planned_end_and_not_done_is_late(client, as_role):
    await make_cycle(client, council(as_role), PAST_YEAR)
    await make_cycle(client, council(as_role), YEAR)

    past, _ = await read(client, as_role(Role.NAMND), f"/cycles/{PAST_YEAR}")
    assert all(s["late"] and s["display_status"] == "LATE" and s["status"] == "PLANNED" for s in past["steps"])
    ahead, _ = await read(client, as_role(Role.NAMND), f"/cycles/{YEAR}")
    assert not any(s["late"] for s in ahead["steps"])

    done = await patch(client, council(as_role), f"/cycles/{PAST_YEAR}/steps/3", {"status": "DONE", "done_on": f"{PAST_YEAR - 1}-02-20"})
    assert done.status_code == 200, done.text
    assert done.json()["late"] is False and done.json()["display_status"] == "DONE"
    assert done.json()["done_on"] == f"{PAST_YEAR - 1}-02-20"


# --- editing a step ------------------------------------------------------------------------------------


async def test_the_council_plans_a_step_and_records_its_progress(client, as_role, app):
    await make_cycle(client, council(as_role))
    step, version = await read(client, as_role(Role.ENHET), f"/cycles/{YEAR}/steps/7")

    moved = await patch(
        client,
        council(as_role),
        f"/cycles/{YEAR}/steps/7",
        {"planned_start": f"{YEAR - 1}-06-12", "planned_end": f"{YEAR - 1}-06-12", "status": "IN_PROGRESS", "note": "KF 12 juni"},
        if_match=version,
    )

    assert moved.status_code == 200, moved.text
    assert moved.json()["planned_start"] == moved.json()["planned_end"] == f"{YEAR - 1}-06-12"
    assert moved.json()["status"] == "IN_PROGRESS" and moved.json()["note"] == "KF 12 juni" and moved.json()["done_on"] is None
    assert moved.headers["etag"] != version
    (event,) = [e for e in await audit_events(app, "cycle_step") if e.action == "UPDATE"]
    assert event.before["status"] == "PLANNED" and event.after["status"] == "IN_PROGRESS"


async def test_done_records_the_day_and_leaving_done_clears_it(client, as_role):
    await make_cycle(client, council(as_role))

    done = await patch(client, council(as_role), f"/cycles/{YEAR}/steps/2", {"status": "DONE"})
    assert done.json()["done_on"] == dt.date.today().isoformat()

    reopened = await patch(client, council(as_role), f"/cycles/{YEAR}/steps/2", {"status": "IN_PROGRESS"})
    assert reopened.json()["done_on"] is None


async def test_a_step_cannot_end_before_it_starts(client, as_role, app):
    await make_cycle(client, council(as_role))
    before = await stored(app)

    response = await patch(client, council(as_role), f"/cycles/{YEAR}/steps/4", {"planned_end": f"{YEAR - 1}-02-01"})

    assert_problem(response, 422, "must not come after its planned end")
    assert pointers(response) == {"#/planned_start"}
    assert await stored(app) == before


async def test_done_on_belongs_to_a_done_step(client, as_role, app):
    await make_cycle(client, council(as_role))
    before = await stored(app)

    response = await patch(client, council(as_role), f"/cycles/{YEAR}/steps/4", {"done_on": f"{YEAR - 1}-04-01"})

    assert_problem(response, 422, "only for a step that is DONE")
    assert await stored(app) == before


async def test_the_boards_amend_their_plans_only_after_the_council_amended_mal_och_budget(client, as_role, app):
    await make_cycle(client, council(as_role))
    before = await stored(app)

    refused = await patch(client, council(as_role), f"/cycles/{YEAR}/steps/14", {"status": "IN_PROGRESS"})

    assert_problem(refused, 409, "step 14 (the boards' plan amendment) starts only after step 11")
    assert await stored(app) == before

    assert (await patch(client, council(as_role), f"/cycles/{YEAR}/steps/11", {"status": "DONE"})).status_code == 200
    started = await patch(client, council(as_role), f"/cycles/{YEAR}/steps/14", {"status": "IN_PROGRESS"})
    assert started.status_code == 200, started.text

    middle = await stored(app)
    undone = await patch(client, council(as_role), f"/cycles/{YEAR}/steps/11", {"status": "PLANNED"})
    assert_problem(undone, 409, "stays DONE while step 14")
    assert await stored(app) == middle


async def test_a_step_is_edited_only_by_the_council(client, as_role, app):
    await make_cycle(client, council(as_role))
    before = await stored(app)

    for role in (Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR, Role.ADMIN):
        response = await patch(client, as_role(role), f"/cycles/{YEAR}/steps/1", {"note": "x"})
        assert_problem(response, 403)
    assert await stored(app) == before


async def test_a_step_is_edited_under_if_match(client, as_role, app):
    await make_cycle(client, council(as_role))
    before = await stored(app)

    missing = await patch(client, council(as_role), f"/cycles/{YEAR}/steps/1", {"note": "x"}, if_match=None)
    stale = await patch(client, council(as_role), f"/cycles/{YEAR}/steps/1", {"note": "x"}, if_match='"stale.1"')

    assert_problem(missing, 428)
    assert_problem(stale, 412)
    assert await stored(app) == before


async def test_an_unknown_step_or_status_is_refused(client, as_role, app):
    await make_cycle(client, council(as_role))
    before = await stored(app)

    assert_problem(await patch(client, council(as_role), f"/cycles/{YEAR}/steps/23", {"note": "x"}), 422)
    assert_problem(await patch(client, council(as_role), f"/cycles/{YEAR + 1}/steps/1", {"note": "x"}), 404, "no step 1")
    assert_problem(await patch(client, council(as_role), f"/cycles/{YEAR}/steps/1", {"status": "LATE"}), 422)
    assert await stored(app) == before


# --- the calendar feed ---------------------------------------------------------------------------------


def _events(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


async def test_the_calendar_feed_holds_every_step_and_every_deadline(client, as_role):
    await make_cycle(client, council(as_role))

    response = await client.get(f"{API}/cycles/{YEAR}/calendar.ics", headers=as_role(Role.ENHET))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = _events(response.content)
    assert len(events) == 22 + 3 * 5
    first = events[f"cycle-{YEAR}-step-1@followup.styrkedjan"]
    assert str(first["summary"]) == "1. Omvärlds- och nulägesanalyser"
    assert first.decoded("dtstart") == dt.date(YEAR - 2, 10, 1)
    assert first.decoded("dtend") == dt.date(YEAR - 1, 2, 1)  # the day after the last
    council_adopts = events[f"cycle-{YEAR}-interim-council@followup.styrkedjan"]
    assert council_adopts.decoded("dtstart") == dt.date(YEAR, 10, 31)


async def test_a_moved_step_keeps_its_event_so_a_subscribed_calendar_updates_it(client, as_role):
    await make_cycle(client, council(as_role))
    before = _events((await client.get(f"{API}/cycles/{YEAR}/calendar.ics", headers=council(as_role))).content)

    await patch(
        client, council(as_role), f"/cycles/{YEAR}/steps/5", {"planned_start": f"{YEAR - 1}-04-20", "planned_end": f"{YEAR - 1}-04-20"}
    )

    after = _events((await client.get(f"{API}/cycles/{YEAR}/calendar.ics", headers=council(as_role))).content)
    assert set(after) == set(before)
    moved = after[f"cycle-{YEAR}-step-5@followup.styrkedjan"]
    assert moved.decoded("dtstart") == dt.date(YEAR - 1, 4, 20)
    assert int(moved["sequence"]) > int(before[f"cycle-{YEAR}-step-5@followup.styrkedjan"]["sequence"])


async def test_a_date_outside_the_years_the_api_knows_is_refused(client, as_role, app):
    await make_cycle(client, council(as_role))
    before = await stored(app)

    response = await patch(client, council(as_role), f"/cycles/{YEAR}/steps/4", {"planned_end": "9999-12-31"})

    assert_problem(response, 422)
    assert pointers(response) == {"#/planned_end"}
    assert await stored(app) == before
