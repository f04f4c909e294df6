"""The Kolada sync (on demand and scheduled) and the import of Kolada's files: metadata into the
catalogue, values into Kolada's table and our values into the outcomes of every use of a Kolada
key figure (total / women / men, per year, source "Kolada"); each run a job; incremental runs
remove what Kolada deleted; refusals change nothing."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from goals_service.indicators.models import Indicator, IndicatorOutcome
from goals_service.jobs.models import Job
from goals_service.kolada import service, worker
from goals_service.kolada.models import KoladaLease, KoladaMunicipality, KoladaValue
from services.goals.tests import factories
from services.goals.tests.support.kolada import fake_kolada, fixture_bytes
from services.goals.tests.support.organisation import BOARD, COUNCIL
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import closed_port

API = "/api/goals/v1"
SYNCS = f"{API}/kolada/syncs"
IMPORTS = f"{API}/kolada/imports"
GROUPS = f"{API}/kolada/peer-groups"


@pytest.fixture
async def kolada(app):
    async with fake_kolada() as fake:
        app.state.kolada_client, fake.waits = fake.client(per_page=3)
        yield fake
        del app.state.kolada_client


async def _catalogue(app):
    """Two Kolada key figures of the catalogue (one split by gender), each followed for a quality factor."""
    factor = factories.quality_factor(uuid.UUID(BOARD))
    grades = factories.indicator(name="Behöriga till yrkesprogram", kolada_kpi_id="N15428", gender_split=True)
    tax = factories.indicator(name="Skattesats", kolada_kpi_id="N00901", gender_split=False)
    uses = [
        factories.indicator_use(grades, uuid.UUID(BOARD), quality_factor_=factor),
        factories.indicator_use(tax, uuid.UUID(BOARD), quality_factor_=factor),
    ]
    await factories.add(app, factor, grades, tax)
    await factories.add(app, *uses)
    return grades, tax, uses


async def _outcomes(app, use_id):
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(select(IndicatorOutcome).where(IndicatorOutcome.use_id == use_id).order_by(IndicatorOutcome.period))
        return [(o.period, o.total, o.women, o.men, o.source) for o in rows]


async def _count(app, model):
    async with app.state.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def _values(app, municipality):
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(select(KoladaValue).where(KoladaValue.municipality_id == municipality))
        return {(v.kpi_id, v.year, v.gender): (v.value, v.status) for v in rows}


async def test_a_sync_fills_the_outcomes_of_kolada_key_figures_and_records_its_job(app, client, council, kolada):
    grades, tax, (grades_use, tax_use) = await _catalogue(app)
    group = await client.post(GROUPS, json={"name": "Grannar", "municipality_ids": ["1960", "0000"]}, headers=council)
    assert group.status_code == 201, group.text

    response = await client.post(SYNCS, json={"mode": "INCREMENTAL"}, headers=council)
    assert response.status_code == 201, response.text
    job = response.json()
    assert response.headers["location"] == f"{API}/jobs/{job['id']}"
    assert (job["kind"], job["state"], job["dry_run"]) == ("KOLADA_SYNC", "SUCCEEDED", False)
    assert job["counts"]["indicator_outcome"] == {"created": 2, "updated": 0, "unchanged": 0, "deleted": 0}
    assert job["counts"]["kolada_value"]["created"] == 12  # 3 + 2 + 3 by gender for N15428, 3 totals for N00901 (one value null)
    assert job["counts"]["indicator"] == {"created": 0, "updated": 2, "unchanged": 0, "deleted": 0}

    # total / women / men by Kolada's T / K / M; a key figure not split by gender has its total only
    assert await _outcomes(app, grades_use.id) == [("2025", Decimal("84.2"), Decimal("86.9"), Decimal("81.7"), "Kolada")]
    assert await _outcomes(app, tax_use.id) == [("2025", Decimal("22.49"), None, None, "Kolada")]
    # the catalogue takes Kolada's title and description
    async with app.state.sessionmaker() as session:
        stored = await session.get(Indicator, grades.id)
        assert stored.name.startswith("Elever i åk 9 som är behöriga") and stored.definition.startswith("Andel elever")
    # peers' values are kept for the comparison: a null value stays missing (never zero), status kept
    kungsor = await _values(app, "1960")
    assert kungsor[("N15428", 2025, "K")] == (None, "") and kungsor[("N15428", 2025, "M")] == (Decimal("78.000000"), "B")
    assert await _count(app, KoladaMunicipality) == 3
    # each call to Kolada: metadata, municipalities, two pages of values (KPIs and municipalities fit in one request)
    assert len(kolada.paths("kpi/")) == 1 and len(kolada.paths("data/")) == 2
    assert not any("from_date" in path for path in kolada.requests)

    # the next sync reads what changed since the last successful one: a changed value and a deletion
    kolada.requests.clear()
    again = (await client.post(SYNCS, json={"mode": "INCREMENTAL"}, headers=council)).json()
    assert again["state"] == "SUCCEEDED"
    assert f"from_date={dt.date.today().isoformat()}" in kolada.paths("data/")[0]
    assert await _outcomes(app, grades_use.id) == [("2025", Decimal("84.6"), Decimal("87"), Decimal("82.3"), "Kolada")]
    assert again["counts"]["indicator_outcome"]["updated"] == 1
    assert again["counts"]["kolada_value"]["deleted"] == 3
    assert not any(key[0] == "N15428" for key in await _values(app, "1960"))


async def test_only_the_whole_municipalitys_council_and_the_administrators_start_a_sync(client, as_role, kolada):
    for headers in (as_role(Role.NAMND, BOARD, [BOARD]), as_role(Role.FULLMAKTIGE, COUNCIL, [COUNCIL]), as_role(Role.REVISOR)):
        response = await client.post(SYNCS, json={"mode": "FULL"}, headers=headers)
        assert response.status_code == 403, response.text
    assert kolada.requests == []
    assert (await client.get(f"{API}/jobs", params={"kind": "KOLADA_SYNC"}, headers=as_role(Role.ADMIN))).json()["items"] == []


async def test_kolada_away_is_a_503_naming_it_and_a_failed_job(app, client, council, kolada):
    await _catalogue(app)
    kolada_client, _ = kolada.client()
    kolada_client.base_url = f"http://127.0.0.1:{closed_port()}/v3"
    app.state.kolada_client = kolada_client
    response = await client.post(SYNCS, json={"mode": "INCREMENTAL"}, headers=council)
    assert response.status_code == 503 and "Kolada" in response.json()["detail"]
    jobs = (await client.get(f"{API}/jobs", params={"kind": "KOLADA_SYNC"}, headers=council)).json()["items"]
    assert [job["state"] for job in jobs] == ["FAILED"] and "Kolada" in jobs[0]["message"]
    assert await _count(app, KoladaValue) == 0 and await _count(app, IndicatorOutcome) == 0


async def test_a_second_sync_while_one_runs_is_refused(app, client, council, kolada):
    await _catalogue(app)
    async with app.state.sessionmaker() as session, session.begin():
        session.add(KoladaLease(name="sync", holder="another-replica", until=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)))
    response = await client.post(SYNCS, json={"mode": "INCREMENTAL"}, headers=council)
    assert response.status_code == 409 and "already running" in response.json()["detail"]
    assert kolada.requests == [] and await _count(app, Job) == 0


async def test_one_pass_of_the_scheduled_sync_runs_as_the_machine_client(app, client, as_role, kolada):
    _, _, (grades_use, _) = await _catalogue(app)
    settings = app.state.settings
    job = await worker.sync_once(app.state.sessionmaker, settings, kolada.client()[0])
    assert job is not None and job.state == "SUCCEEDED" and job.started_by == "client:kolada-sync"
    assert (await _outcomes(app, grades_use.id))[0][1] == Decimal("84.2")
    audit = (await client.get(f"{API}/audit-events", params={"entity_type": "indicator_outcome"}, headers=as_role(Role.REVISOR))).json()[
        "items"
    ]
    assert audit and {event["actor_id"] for event in audit} == {"client:kolada-sync"}
    # the lease is released after the run, and a pass while another replica holds it does nothing
    async with app.state.sessionmaker() as session, session.begin():
        session.add(KoladaLease(name="sync", holder="another-replica", until=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)))
    assert await worker.sync_once(app.state.sessionmaker, settings, kolada.client()[0]) is None
    assert await _count(app, Job) == 1


async def test_the_files_import_offline_with_the_same_effect(app, client, council):
    grades, _, (grades_use, tax_use) = await _catalogue(app)
    headers = council | {"content-type": "application/json"}

    metadata = await client.post(IMPORTS, params={"name": "kpi_metadata.json"}, content=fixture_bytes("kpi_metadata.json"), headers=headers)
    assert metadata.status_code == 201, metadata.text
    assert metadata.json()["kind"] == "KOLADA_FILE" and metadata.json()["counts"]["indicator"] == {
        "created": 2,
        "updated": 2,
        "unchanged": 0,
        "deleted": 0,
    }
    async with app.state.sessionmaker() as session:
        added = {
            i.kolada_kpi_id: i for i in await session.scalars(select(Indicator).where(Indicator.kolada_kpi_id.in_(["U21468", "N01951"])))
        }
    assert added["U21468"].source == "KOLADA" and added["U21468"].gender_split and added["U21468"].unit == "%"
    assert added["N01951"].name == "Invånare totalt, antal" and added["N01951"].frequency == "YEARLY"

    names = await client.post(IMPORTS, content=fixture_bytes("municipalities.json"), headers=headers)
    assert names.json()["counts"]["kolada_municipality"]["created"] == 5
    for page in ("data_page1.json", "data_page2.json"):
        response = await client.post(IMPORTS, params={"name": page}, content=fixture_bytes(page), headers=headers)
        assert response.status_code == 201 and response.json()["state"] == "SUCCEEDED", response.text
    assert await _outcomes(app, grades_use.id) == [("2025", Decimal("84.2"), Decimal("86.9"), Decimal("81.7"), "Kolada")]
    assert await _outcomes(app, tax_use.id) == [("2025", Decimal("22.49"), None, None, "Kolada")]

    # the same file again changes nothing (200); an incremental file removes what Kolada deleted
    repeated = await client.post(IMPORTS, content=fixture_bytes("data_page1.json"), headers=headers)
    assert repeated.status_code == 200 and repeated.json()["counts"]["kolada_value"]["unchanged"] == 9
    assert "location" not in repeated.headers
    incremental = (await client.post(IMPORTS, content=fixture_bytes("data_incremental.json"), headers=headers)).json()
    assert incremental["counts"]["kolada_value"]["deleted"] == 3
    assert (await _outcomes(app, grades_use.id))[0][1:4] == (Decimal("84.6"), Decimal("87"), Decimal("82.3"))


async def test_a_dry_run_counts_and_writes_nothing(app, client, council):
    _, _, (grades_use, _) = await _catalogue(app)
    response = await client.post(
        IMPORTS,
        params={"dry_run": "true"},
        content=fixture_bytes("data_page1.json"),
        headers=council | {"content-type": "application/json"},
    )
    assert response.status_code == 200 and response.json()["dry_run"]
    assert response.json()["counts"]["indicator_outcome"]["created"] == 1
    assert await _outcomes(app, grades_use.id) == [] and await _count(app, KoladaValue) == 0


async def test_a_file_that_does_not_fit_is_refused_whole_with_every_error_listed(app, client, council, as_role):
    _, _, (grades_use, _) = await _catalogue(app)
    headers = council | {"content-type": "application/json"}
    broken = (
        b'{"count": 3, "values": ['
        b'{"kpi": "N15428", "municipality": "1961", "period": 2025, "values": [{"gender": "T", "count": 1, "status": "", "value": 84.2}]},'
        b'{"kpi": "N15428", "municipality": "1961", "period": "tjugo", "values": [{"gender": "X", "value": "mycket"}]},'
        b'{"kpi": "bad", "municipality": "19", "period": 2025, "values": [{"gender": "T", "value": "84,2"}]}'
        b'], "next_url": null}'
    )
    response = await client.post(IMPORTS, content=broken, headers=headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    pointers = [error["pointer"] for error in problem["errors"]]
    assert pointers == [
        "#/values/1/period",
        "#/values/1/values/0/gender",
        "#/values/2/kpi",
        "#/values/2/municipality",
        "#/values/2/values/0/value",
    ]
    job_path = response.headers["content-location"]
    assert job_path.split("/")[-1] in problem["detail"]
    job = (await client.get(job_path, headers=council)).json()
    assert job["state"] == "REFUSED" and job["error_count"] == 5
    assert await _count(app, KoladaValue) == 0 and await _outcomes(app, grades_use.id) == []

    # a body that is no Kolada document at all is refused before any run starts
    jobs_before = await _count(app, Job)
    not_json = await client.post(IMPORTS, content=b"kpi;value", headers=headers)
    assert not_json.status_code == 422 and not_json.json()["errors"][0]["pointer"] == "#"
    empty = await client.post(IMPORTS, json={}, headers=headers)
    assert empty.status_code == 422 and empty.json()["errors"][0]["pointer"] == "#/values"
    assert await _count(app, Job) == jobs_before
    as_csv = await client.post(IMPORTS, content=fixture_bytes("data_page1.json"), headers=council | {"content-type": "text/csv"})
    assert as_csv.status_code == 415
    board = await client.post(
        IMPORTS,
        content=fixture_bytes("data_page1.json"),
        headers=as_role(Role.NAMND, BOARD, [BOARD]) | {"content-type": "application/json"},
    )
    assert board.status_code == 403 and await _count(app, KoladaValue) == 0


def test_a_title_says_the_unit():
    assert service.unit_of("Skattesats till kommun, %") == "%"
    assert service.unit_of("Invånare totalt, antal") == "st"
    assert service.unit_of("Nettokostnad grundskola, kr/inv") == "kr"


async def test_a_sync_names_its_mode_and_a_full_one_reads_every_year_again(app, client, council, kolada):
    await _catalogue(app)
    unnamed = await client.post(SYNCS, json={}, headers=council)
    assert unnamed.status_code == 422 and unnamed.json()["errors"][0]["pointer"] == "#/mode"
    assert kolada.requests == []
    assert (await client.post(SYNCS, json={"mode": "INCREMENTAL"}, headers=council)).status_code == 201
    kolada.requests.clear()
    full = await client.post(SYNCS, json={"mode": "FULL"}, headers=council)
    assert full.status_code == 201 and full.json()["counts"]["kolada_value"]["unchanged"] == 12
    assert kolada.paths("data/") and not any("from_date" in path for path in kolada.requests)


async def test_without_koladas_address_a_sync_is_refused_and_files_still_import(app, client, council):
    _, _, (grades_use, _) = await _catalogue(app)
    settings = app.state.settings
    app.state.settings = settings.model_copy(update={"kolada_base_url": ""})
    try:
        refused = await client.post(SYNCS, json={"mode": "INCREMENTAL"}, headers=council)
        from_kolada = await client.post(GROUPS, json={"name": "Liknande", "kolada_group_id": "G1"}, headers=council)
        imported = await client.post(
            IMPORTS, content=fixture_bytes("data_page1.json"), headers=council | {"content-type": "application/json"}
        )
    finally:
        app.state.settings = settings
    assert refused.status_code == 409 and "/kolada/imports" in refused.json()["detail"]
    assert from_kolada.status_code == 409
    assert imported.status_code == 201 and (await _outcomes(app, grades_use.id))[0][1] == Decimal("84.2")
    assert await _count(app, Job) == 1
