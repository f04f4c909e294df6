"""Editing a draft: a goal in force is assessed on the scale with its analysis ("not assessed"
needs a reason), narrative under the occasion's headings; only drafts, under If-Match."""

import uuid

from services.followup.tests.support.reports import API, BOARD, GOAL, OTHER_BOARD, add_occasion, create_report, stored, with_live_goals
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem


async def _draft(client, app, as_role):
    occasion_id = await add_occasion(app)
    response = await create_report(client, as_role(Role.NAMND), occasion_id, BOARD)
    report = response.json()
    await with_live_goals(app, report["id"], GOAL)
    read = await client.get(f"{API}/reports/{report['id']}", headers=as_role(Role.NAMND))
    return report["id"], read.headers["ETag"]


async def test_a_goal_in_force_is_assessed_with_its_analysis(client, app, as_role):
    report_id, tag = await _draft(client, app, as_role)
    body = {"level_code": "DELVIS_UPPFYLLT", "analysis": "Två av tre indikatorer når målvärdet."}
    response = await client.put(f"{API}/reports/{report_id}/assessments/{GOAL}", json=body, headers=as_role(Role.NAMND) | {"If-Match": tag})
    assert response.status_code == 200, response.text
    [assessment] = response.json()["assessments"]
    assert (assessment["goal_id"], assessment["kind"], assessment["level_code"]) == (GOAL, "FORECAST_YEAR_END", "DELVIS_UPPFYLLT")
    assert response.headers["ETag"] != tag
    # The preview shows the assessment beside the goal.
    assert response.json()["preview"]["goals"][0]["assessment"]["level_code"] == "DELVIS_UPPFYLLT"

    deleted = await client.delete(
        f"{API}/reports/{report_id}/assessments/{GOAL}", headers=as_role(Role.NAMND) | {"If-Match": response.headers["ETag"]}
    )
    assert deleted.status_code == 200 and deleted.json()["assessments"] == []


async def test_an_assessment_is_refused_off_the_scale_without_reason_or_outside_the_goals(client, app, as_role):
    report_id, tag = await _draft(client, app, as_role)
    headers = as_role(Role.NAMND) | {"If-Match": tag}
    before = await stored(app)
    off_scale = await client.put(f"{API}/reports/{report_id}/assessments/{GOAL}", json={"level_code": "EXCELLENT"}, headers=headers)
    assert_problem(off_scale, 422, "not on the assessment scale")
    no_reason = await client.put(f"{API}/reports/{report_id}/assessments/{GOAL}", json={"level_code": "EJ_BEDOMT"}, headers=headers)
    assert_problem(no_reason, 422, "needs a reason")
    other_goal = await client.put(f"{API}/reports/{report_id}/assessments/{uuid.uuid4()}", json={"level_code": "UPPFYLLT"}, headers=headers)
    assert_problem(other_goal, 404, "not among the goals in force")
    assert await stored(app) == before

    with_reason = {"level_code": "EJ_BEDOMT", "not_assessed_reason": "Mätningen görs först i december."}
    assert (await client.put(f"{API}/reports/{report_id}/assessments/{GOAL}", json=with_reason, headers=headers)).status_code == 200


async def test_sections_are_written_under_the_occasions_headings(client, app, as_role):
    report_id, tag = await _draft(client, app, as_role)
    headers = as_role(Role.NAMND) | {"If-Match": tag}
    response = await client.put(f"{API}/reports/{report_id}/sections/important_events", json={"text": "Ny skola invigd."}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["sections"] == [{"heading": "important_events", "text": "Ny skola invigd."}]
    before = await stored(app)
    unknown = await client.put(
        f"{API}/reports/{report_id}/sections/weather",
        json={"text": "x"},
        headers=as_role(Role.NAMND) | {"If-Match": response.headers["ETag"]},
    )
    assert_problem(unknown, 404, "not among the report's headings")
    assert await stored(app) == before


async def test_edits_need_the_current_version_and_scope(client, app, as_role):
    report_id, tag = await _draft(client, app, as_role)
    before = await stored(app)
    body = {"level_code": "UPPFYLLT", "analysis": "Uppnått."}
    path = f"{API}/reports/{report_id}/assessments/{GOAL}"
    assert_problem(await client.put(path, json=body, headers=as_role(Role.NAMND)), 428)
    assert_problem(await client.put(path, json=body, headers=as_role(Role.NAMND) | {"If-Match": '"stale"'}), 412)
    assert_problem(await client.put(path, json=body, headers=as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD]) | {"If-Match": tag}), 403)
    assert await stored(app) == before
