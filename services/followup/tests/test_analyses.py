"""Situation analyses (seed: "Bilagor", step 1): a board's or administration's current-state map
and the municipality's environment analysis, in sections with their sources, completed only when
every section names a source, and read as input to the planning step of their year."""

import uuid
from typing import Any

from sqlalchemy import select

from followup_service.analyses.models import SituationAnalysis
from followup_service.db import AuditEvent
from services.followup.tests.support.dialogues import (
    ADMINISTRATION,
    API,
    BOARD,
    CLOSED_UNIT,
    COUNCIL,
    OTHER_BOARD,
    UNIT,
    YEAR,
    add_cycle_step,
    row,
    stored,
)
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem

SOURCED = {
    "heading": "Befolkningsutveckling",
    "text": "Andelen invånare över 80 år ökar med 30 procent till 2030.",
    "sources": [{"title": "SCB, Befolkningsprognos", "url": "https://www.scb.se/", "published": "2026-04-28"}],
}
UNSOURCED = {"heading": "Kompetensförsörjning", "text": "Svårt att rekrytera sjuksköterskor."}


def _map(org_unit_id: str = BOARD, **fields: Any) -> dict[str, Any]:
    body = {
        "kind": "CURRENT_STATE_MAP",
        "year": YEAR,
        "org_unit_id": org_unit_id,
        "title": "Nulägeskarta socialnämnden",
        "sections": [SOURCED],
    }
    return body | fields


async def _created(client: Any, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"{API}/situation-analyses", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json() | {"etag": response.headers["ETag"]}


async def _complete(client: Any, headers: dict[str, str], analysis: dict[str, Any]) -> Any:
    return await client.post(f"{API}/situation-analyses/{analysis['id']}/complete", headers=headers | {"If-Match": analysis["etag"]})


async def test_a_board_maps_its_current_state_and_completes_it_as_input_to_planning(client, app, as_role):
    await add_cycle_step(app, 3)
    headers = as_role(Role.NAMND, BOARD, [BOARD])
    analysis = await _created(client, headers, _map())
    assert (analysis["status"], analysis["org_unit"]["name"]) == ("DRAFT", "Socialnämnden")
    assert analysis["sections"][0]["sources"][0]["url"] == "https://www.scb.se/"
    assert (analysis["feeds"]["year"], analysis["feeds"]["number"], analysis["feeds"]["name_sv"]) == (YEAR, 3, "Planeringsförutsättningar")

    completed = await _complete(client, headers, analysis)
    assert completed.status_code == 200, completed.text
    assert completed.json()["status"] == "COMPLETED"
    async with app.state.sessionmaker() as session:
        events = (await session.scalars(select(AuditEvent).where(AuditEvent.entity_id == analysis["id"]))).all()
    assert [e.action for e in events] == ["CREATE", "COMPLETE"]
    # A completed analysis is read by every domain role, also outside its scope.
    elsewhere = await client.get(f"{API}/situation-analyses/{analysis['id']}", headers=as_role(Role.ENHET, UNIT, [UNIT]))
    assert elsewhere.status_code == 200 and elsewhere.json()["status"] == "COMPLETED"


async def test_a_year_without_a_cycle_names_no_planning_step(client, app, as_role):
    analysis = await _created(client, as_role(Role.FORVALTNING), _map(ADMINISTRATION, year=YEAR + 3))
    assert analysis["feeds"] is None


async def test_the_environment_analysis_is_the_councils_and_written_by_fullmaktige(client, app, as_role):
    body = _map(COUNCIL, kind="ENVIRONMENT_ANALYSIS", title="Omvärldsanalys inför 2026")
    before = await stored(app)
    assert_problem(await client.post(f"{API}/situation-analyses", json=body, headers=as_role(Role.NAMND)), 403, "fullmaktige")
    of_a_board = await client.post(
        f"{API}/situation-analyses", json=_map(BOARD, kind="ENVIRONMENT_ANALYSIS"), headers=as_role(Role.FULLMAKTIGE)
    )
    problem = assert_problem(of_a_board, 422, "must be of type council")
    assert problem["errors"][0]["pointer"] == "#/org_unit_id"
    assert await stored(app) == before
    analysis = await _created(client, as_role(Role.FULLMAKTIGE), body)
    assert analysis["kind"] == "ENVIRONMENT_ANALYSIS"


async def test_a_current_state_map_is_a_boards_or_an_administrations_written_in_scope(client, app, as_role):
    before = await stored(app)
    assert_problem(
        await client.post(f"{API}/situation-analyses", json=_map(UNIT), headers=as_role(Role.FORVALTNING)), 422, "must be of type"
    )
    assert_problem(
        await client.post(f"{API}/situation-analyses", json=_map(OTHER_BOARD), headers=as_role(Role.NAMND, BOARD, [BOARD])),
        403,
        "outside your scope",
    )
    assert_problem(
        await client.post(f"{API}/situation-analyses", json=_map(), headers=as_role(Role.FULLMAKTIGE)), 403, "forvaltning, namnd"
    )
    assert_problem(await client.post(f"{API}/situation-analyses", json=_map(), headers=as_role(Role.ENHET)), 403)
    closed = await client.post(f"{API}/situation-analyses", json=_map(CLOSED_UNIT), headers=as_role(Role.FORVALTNING))
    assert_problem(closed, 422, "not valid in 2026")
    assert await stored(app) == before


async def test_one_analysis_per_org_unit_kind_and_year(client, app, as_role):
    headers = as_role(Role.NAMND)
    await _created(client, headers, _map())
    before = await stored(app)
    assert_problem(await client.post(f"{API}/situation-analyses", json=_map(), headers=headers), 409, "one per year")
    assert await stored(app) == before
    await _created(client, headers, _map(year=YEAR + 1))


async def test_a_completed_analysis_names_a_source_in_every_section(client, app, as_role):
    headers = as_role(Role.NAMND)
    analysis = await _created(client, headers, _map(sections=[SOURCED, UNSOURCED]))
    empty = await _created(client, headers, _map(OTHER_BOARD, sections=[]))
    before = await stored(app)
    assert_problem(await _complete(client, headers, analysis), 409, "names its sources; without: Kompetensförsörjning")
    assert_problem(await _complete(client, headers, empty), 409, "at least one section")
    assert await stored(app) == before
    assert (await row(app, SituationAnalysis, analysis["id"])).status == "DRAFT"

    sourced = UNSOURCED | {"sources": [{"title": "Arbetsförmedlingen, Yrkesprognoser 2026"}]}
    url = f"{API}/situation-analyses/{analysis['id']}"
    patched = await client.patch(url, json={"sections": [SOURCED, sourced]}, headers=headers | {"If-Match": analysis["etag"]})
    assert patched.status_code == 200, patched.text
    completed = await _complete(client, headers, analysis | {"etag": patched.headers["ETag"]})
    assert completed.status_code == 200, completed.text


async def test_only_drafts_change_under_if_match(client, app, as_role):
    headers = as_role(Role.NAMND)
    analysis = await _created(client, headers, _map())
    url = f"{API}/situation-analyses/{analysis['id']}"
    assert_problem(await client.patch(url, json={"title": "Ny titel"}, headers=headers), 428)
    assert_problem(await client.patch(url, json={"title": "Ny titel"}, headers=headers | {"If-Match": '"stale"'}), 412)
    completed = await _complete(client, headers, analysis)
    before = await stored(app)
    changed = await client.patch(url, json={"title": "Ny titel"}, headers=headers | {"If-Match": completed.headers["ETag"]})
    assert_problem(changed, 409, "a completed situation analysis is the planning's input")
    again = await client.post(
        f"{API}/situation-analyses/{analysis['id']}/complete", headers=headers | {"If-Match": completed.headers["ETag"]}
    )
    assert_problem(again, 409)
    assert await stored(app) == before


async def test_sections_and_sources_are_bounded_and_sources_are_web_addresses(client, app, as_role):
    headers = as_role(Role.NAMND)
    before = await stored(app)
    bad_url = SOURCED | {"sources": [{"title": "Okänd", "url": "javascript:alert(1)"}]}
    problem = assert_problem(await client.post(f"{API}/situation-analyses", json=_map(sections=[bad_url]), headers=headers), 422)
    assert problem["errors"][0]["pointer"] == "#/sections/0/sources/0/url"
    many = _map(sections=[SOURCED] * 31)
    assert_problem(await client.post(f"{API}/situation-analyses", json=many, headers=headers), 422)
    assert await stored(app) == before


async def test_drafts_are_read_in_scope_and_completed_ones_by_everyone(client, app, as_role):
    board_map = await _created(client, as_role(Role.NAMND), _map())
    other_map = await _created(client, as_role(Role.NAMND), _map(OTHER_BOARD))
    completed = await _complete(client, as_role(Role.NAMND), other_map)
    assert completed.status_code == 200
    outsider = as_role(Role.FORVALTNING, ADMINISTRATION, [ADMINISTRATION])
    assert_problem(await client.get(f"{API}/situation-analyses/{board_map['id']}", headers=outsider), 404)
    listed = await client.get(f"{API}/situation-analyses", params={"year": YEAR}, headers=outsider)
    assert [a["id"] for a in listed.json()["items"]] == [other_map["id"]]
    everything = await client.get(f"{API}/situation-analyses", params={"kind": "CURRENT_STATE_MAP"}, headers=as_role(Role.REVISOR))
    assert {a["id"] for a in everything.json()["items"]} == {board_map["id"], other_map["id"]}
    drafts = await client.get(
        f"{API}/situation-analyses", params={"status": "DRAFT", "org_unit_id": BOARD}, headers=as_role(Role.NAMND, BOARD, [BOARD])
    )
    assert [a["id"] for a in drafts.json()["items"]] == [board_map["id"]]
    assert_problem(await client.get(f"{API}/situation-analyses/{uuid.uuid4()}", headers=as_role(Role.REVISOR)), 404)
    assert_problem(await client.get(f"{API}/situation-analyses", headers=as_role(Role.ADMIN)), 403)
