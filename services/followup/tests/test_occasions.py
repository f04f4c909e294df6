"""The year's follow-up occasions: their defaults (reference.md §4.2), the headings their reports
carry (§4.3), and the rules on their dates, each shown refused with nothing changed."""

import uuid

import pytest

from followup_service.cycle import service
from followup_service.cycle.models import Occasion
from followup_service.levels import ReportLevel
from services.followup.tests.support.cycle import API, YEAR, add_report, council, make_cycle, occasion_of, patch, read, stored
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers


@pytest.fixture
async def cycle(client, as_role):
    return await make_cycle(client, council(as_role))


async def _refused(client, as_role, app, occasion, body, status, detail):
    before = await stored(app)
    response = await patch(client, council(as_role), f"/occasions/{occasion['id']}", body)
    assert_problem(response, status, detail)
    assert await stored(app) == before
    return response


# --- defaults ---------------------------------------------------------------------------------------


async def test_a_year_has_the_three_occasions_with_the_styrmodells_dates(client, as_role, cycle):
    occasions, _ = await read(client, as_role(Role.ENHET), f"/occasions?year={YEAR}")

    assert [o["kind"] for o in occasions] == ["FORECAST", "INTERIM", "ANNUAL"]
    forecast, interim, annual = occasions
    assert (forecast["period_end"], forecast["board_deadline"], forecast["council_deadline"]) == (
        f"{YEAR}-04-30", f"{YEAR}-05-31", f"{YEAR}-06-30"
    )  # fmt: skip
    assert interim["statutory"] and (interim["period_end"], interim["board_deadline"], interim["council_deadline"]) == (
        f"{YEAR}-08-31", f"{YEAR}-09-30", f"{YEAR}-10-31"
    )  # fmt: skip
    assert (annual["period_end"], annual["board_deadline"], annual["council_deadline"]) == (
        f"{YEAR}-12-31", f"{YEAR + 1}-02-28", f"{YEAR + 1}-03-31"
    )  # fmt: skip
    for o in occasions:
        assert o["period_start"] == f"{YEAR}-01-01" and o["warnings"] == [] and o["frozen"] is False
        assert o["period_end"] < o["unit_deadline"] <= o["administration_deadline"] <= o["board_deadline"]
        assert o["board_deadline"] <= o["executive_board_deadline"] <= o["council_deadline"]


async def test_an_occasion_is_read_by_every_role_and_an_unknown_one_is_not_found(client, as_role, cycle):
    interim = occasion_of(cycle, "INTERIM")
    for role in Role:
        body, version = await read(client, as_role(role), f"/occasions/{interim['id']}")
        assert body["kind"] == "INTERIM" and version
    assert_problem(await client.get(f"{API}/occasions/{uuid.uuid4()}", headers=as_role(Role.ENHET)), 404, "no follow-up occasion")


async def test_the_annual_municipal_report_carries_the_forvaltningsberattelse(cycle):
    annual = occasion_of(cycle, "ANNUAL")
    occasion = Occasion(**{k: annual[k] for k in ("year", "kind", "headings")})

    municipal = {h["key"]: h for h in service.headings_for(occasion, ReportLevel.MUNICIPAL)}
    board = {h["key"]: h for h in service.headings_for(occasion, ReportLevel.BOARD)}

    assert municipal["balance_requirement"]["title_sv"] == "Balanskravsresultat"
    assert {"group", "significant_events", "governance", "sound_financial_management", "personnel", "expected_development"} <= set(
        municipal
    )
    assert all(set(h) == {"key", "title_sv", "title_en", "required"} for h in municipal.values())
    assert board["internal_control"]["required"] and not board["private_providers"]["required"]
    assert "balance_requirement" not in board


async def test_the_board_report_headings_follow_the_occasion(cycle):
    def board(kind):
        occasion = Occasion(**{k: occasion_of(cycle, kind)[k] for k in ("year", "kind", "headings")})
        return {h["key"]: h["required"] for h in service.headings_for(occasion, ReportLevel.BOARD)}

    forecast, interim, annual = board("FORECAST"), board("INTERIM"), board("ANNUAL")
    assert "staff" not in forecast and interim["staff"] and annual["staff"]  # personnel: – ✓ ✓
    assert forecast["major_projects"] and interim["major_projects"] and not annual["major_projects"]  # ✓ ✓ (✓)
    assert not forecast["important_events"] and interim["important_events"]  # (✓) ✓


def test_the_deadline_of_each_level():
    occasion = Occasion(
        year=YEAR, kind="INTERIM", period_end=None, unit_deadline=1, administration_deadline=2, board_deadline=3,
        executive_board_deadline=4, council_deadline=5,
    )  # fmt: skip
    assert [service.deadline_of(occasion, level) for level in ReportLevel] == [1, 2, 3, 4]


# --- editing ------------------------------------------------------------------------------------------


async def test_the_council_moves_the_forecast_to_the_end_of_march(client, as_role, cycle, app):
    forecast = occasion_of(cycle, "FORECAST")
    _, version = await read(client, council(as_role), f"/occasions/{forecast['id']}")

    response = await patch(client, council(as_role), f"/occasions/{forecast['id']}", {"period_end": f"{YEAR}-03-31"}, if_match=version)

    assert response.status_code == 200, response.text
    assert response.json()["period_end"] == f"{YEAR}-03-31" and response.json()["warnings"] == []
    assert response.headers["etag"] != version


async def test_a_forecast_ends_at_the_end_of_march_or_april(client, as_role, app, cycle):
    await _refused(client, as_role, app, occasion_of(cycle, "FORECAST"), {"period_end": f"{YEAR}-04-15"}, 409, "31 March or 30 April")


async def test_the_annual_report_ends_on_31_december(client, as_role, app, cycle):
    await _refused(client, as_role, app, occasion_of(cycle, "ANNUAL"), {"period_end": f"{YEAR}-11-30"}, 409, "31 December")


@pytest.mark.parametrize("end", ["06-29", "09-01", "10-31"])
async def test_the_statutory_interim_report_ends_between_30_june_and_31_august(client, as_role, app, cycle, end):
    interim = occasion_of(cycle, "INTERIM")
    body = {"period_end": f"{YEAR}-{end}", "unit_deadline": f"{YEAR}-11-01", "administration_deadline": f"{YEAR}-11-02"}
    body |= {"board_deadline": f"{YEAR}-11-03", "executive_board_deadline": f"{YEAR}-11-04", "council_deadline": f"{YEAR}-11-05"}

    await _refused(client, as_role, app, interim, body, 409, "LKBR 13 kap. 1 §")


async def test_an_interim_report_per_june_is_statutory_with_a_warning(client, as_role, cycle):
    interim = occasion_of(cycle, "INTERIM")

    response = await patch(client, council(as_role), f"/occasions/{interim['id']}", {"period_end": f"{YEAR}-06-30"})

    assert response.status_code == 200, response.text
    assert response.json()["period_end"] == f"{YEAR}-06-30"
    assert any("differs from the styrmodell" in w for w in response.json()["warnings"])


async def test_only_a_period_within_the_window_may_be_statutory(client, as_role, app, cycle):
    await _refused(client, as_role, app, occasion_of(cycle, "FORECAST"), {"statutory": True}, 409, "LKBR 13 kap. 1 §")


async def test_deadlines_come_after_the_period_end(client, as_role, app, cycle):
    await _refused(client, as_role, app, occasion_of(cycle, "INTERIM"), {"unit_deadline": f"{YEAR}-08-31"}, 409, "after the period end")


@pytest.mark.parametrize(
    ("field", "day", "named"),
    [
        ("administration_deadline", "09-07", "unit_deadline"),
        ("board_deadline", "10-20", "board_deadline"),
        ("council_deadline", "10-09", "executive_board_deadline"),
    ],
)
async def test_deadlines_follow_the_chain_from_unit_to_council(client, as_role, app, cycle, field, day, named):
    response = await _refused(client, as_role, app, occasion_of(cycle, "INTERIM"), {field: f"{YEAR}-{day}"}, 409, "unit ≤ administration")
    assert named in response.json()["detail"]


async def test_a_deadline_outside_the_default_months_is_allowed_with_a_warning(client, as_role, cycle):
    interim = occasion_of(cycle, "INTERIM")

    response = await patch(client, council(as_role), f"/occasions/{interim['id']}", {"council_deadline": f"{YEAR}-11-15"})

    assert response.status_code == 200, response.text
    warnings = response.json()["warnings"]
    assert any("council_deadline" in w and "October" in w for w in warnings)
    assert any("KL 11 kap. 16 §" in w for w in warnings)


async def test_headings_are_replaced_as_a_whole(client, as_role, cycle):
    forecast = occasion_of(cycle, "FORECAST")
    headings = [
        {"key": "economy", "title_sv": "Ekonomi", "required": True, "levels": ["BOARD", "MUNICIPAL"]},
        {"key": "events", "title_sv": "Händelser", "levels": ["UNIT"]},
    ]

    response = await patch(client, council(as_role), f"/occasions/{forecast['id']}", {"headings": headings})

    assert response.status_code == 200, response.text
    occasion = Occasion(**{k: response.json()[k] for k in ("year", "kind", "headings")})
    assert service.headings_for(occasion, ReportLevel.UNIT) == [
        {"key": "events", "title_sv": "Händelser", "title_en": "", "required": False}
    ]
    assert [h["key"] for h in service.headings_for(occasion, ReportLevel.MUNICIPAL)] == ["economy"]


async def test_heading_keys_are_unique_slugs(client, as_role, app, cycle):
    forecast = occasion_of(cycle, "FORECAST")
    twice = [{"key": "economy", "title_sv": "Ekonomi", "levels": ["BOARD"]}] * 2
    before = await stored(app)

    duplicate = await patch(client, council(as_role), f"/occasions/{forecast['id']}", {"headings": twice})
    not_a_slug = await patch(
        client,
        council(as_role),
        f"/occasions/{forecast['id']}",
        {"headings": [{"key": "Ekonomi och", "title_sv": "x", "levels": ["BOARD"]}]},
    )

    assert_problem(duplicate, 422, "appears twice")
    assert pointers(duplicate) == {"#/headings/1/key"}
    assert_problem(not_a_slug, 422)
    assert pointers(not_a_slug) == {"#/headings/0/key"}
    assert await stored(app) == before


async def test_once_a_report_is_past_draft_the_period_and_headings_are_frozen(client, as_role, app, cycle):
    forecast = occasion_of(cycle, "FORECAST")
    await add_report(app, forecast["id"], status="DRAFT")
    draft_only = await patch(client, council(as_role), f"/occasions/{forecast['id']}", {"period_end": f"{YEAR}-03-31"})
    assert draft_only.status_code == 200 and draft_only.json()["frozen"] is False

    await add_report(app, forecast["id"], status="SUBMITTED")
    headings = [{"key": "economy", "title_sv": "Ekonomi", "levels": ["BOARD"]}]

    await _refused(client, as_role, app, forecast, {"period_end": f"{YEAR}-04-30"}, 409, "has a report past draft: its period_end")
    await _refused(client, as_role, app, forecast, {"headings": headings}, 409, "its headings no longer change")
    later = await patch(client, council(as_role), f"/occasions/{forecast['id']}", {"council_deadline": f"{YEAR}-06-29"})
    assert later.status_code == 200 and later.json()["frozen"] is True


async def test_an_occasion_is_edited_only_by_the_council_under_if_match(client, as_role, app, cycle):
    interim = occasion_of(cycle, "INTERIM")
    before = await stored(app)

    for role in (Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR, Role.ADMIN):
        assert_problem(await patch(client, as_role(role), f"/occasions/{interim['id']}", {"statutory": False}), 403)
    assert_problem(await patch(client, council(as_role), f"/occasions/{interim['id']}", {"statutory": False}, if_match=None), 428)
    assert_problem(await patch(client, council(as_role), f"/occasions/{interim['id']}", {"statutory": False}, if_match='"x.1"'), 412)
    assert_problem(await patch(client, council(as_role), f"/occasions/{uuid.uuid4()}", {"statutory": False}), 404)
    assert await stored(app) == before


async def test_an_unchanged_occasion_records_nothing(client, as_role, app, cycle):
    interim = occasion_of(cycle, "INTERIM")
    before = await stored(app)

    response = await patch(client, council(as_role), f"/occasions/{interim['id']}", {"period_end": f"{YEAR}-08-31"})

    assert response.status_code == 200
    assert await stored(app) == before
