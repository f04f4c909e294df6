"""Peer groups and the comparison with them: our value, each peer's, the group's median (ours
counted in it) and our rank, per year and by total / women / men; a quality factor's Kolada key
figures compared alike. The figures below are worked out by hand."""

import uuid
from decimal import Decimal

from goals_service.kolada.models import KoladaMunicipality, KoladaValue
from services.goals.tests import factories
from services.goals.tests.support.kolada import fake_kolada
from services.goals.tests.support.organisation import BOARD, COUNCIL
from styrkedjan_common.identity import Role

API = "/api/goals/v1"
GROUPS = f"{API}/kolada/peer-groups"
COMPARISON = f"{API}/kolada/comparison"


def _value(municipality, year, gender, value, status=""):
    return KoladaValue(
        kpi_id="N15428",
        municipality_id=municipality,
        year=year,
        gender=gender,
        value=None if value is None else Decimal(value),
        status=status,
        count=1,
    )


async def _figures(app):
    """Hallstahammar (1961, ours) and three peers, for 2024 and 2025, total and women."""
    names = [
        KoladaMunicipality(id=i, title=t, type="K")
        for i, t in (("1961", "Hallstahammar"), ("1960", "Kungsör"), ("1962", "Norberg"), ("1980", "Västerås"))
    ]
    values = [
        # 2025, total: 84.2 ours; 80.5, 86.0, 88.0 the peers
        _value("1961", 2025, "T", "84.2"),
        _value("1960", 2025, "T", "80.5", "B"),
        _value("1962", 2025, "T", "86.0"),
        _value("1980", 2025, "T", "88.0"),
        # 2025, women: 86.9 ours; Kungsör missing (null), 88.0 and 85.0
        _value("1961", 2025, "K", "86.9"),
        _value("1960", 2025, "K", None),
        _value("1962", 2025, "K", "88.0"),
        _value("1980", 2025, "K", "85.0"),
        # 2024, total: ours missing; 80 and 79 (Västerås has no row)
        _value("1961", 2024, "T", None),
        _value("1960", 2024, "T", "80"),
        _value("1962", 2024, "T", "79"),
    ]
    await factories.add(app, *names, *values)


async def _group(client, headers, **body):
    response = await client.post(GROUPS, json={"name": "Liknande kommuner"} | body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_the_comparison_worked_out_by_hand(app, client, council, as_role):
    await _figures(app)
    group = await _group(client, council, municipality_ids=["1980", "1960", "1962", "1961"])
    reader = as_role(Role.ENHET, BOARD, [BOARD])
    response = await client.get(COMPARISON, params={"kpi": "N15428", "peer_group_id": group["id"], "years": "2024,2025"}, headers=reader)
    assert response.status_code == 200, response.text
    comparison = response.json()
    assert comparison["direction"] is None and comparison["median_includes_ours"] and comparison["gender"] == "T"
    y2024, y2025 = comparison["years"]
    # 2025: values 80.5, 84.2, 86.0, 88.0 → median (84.2 + 86.0) / 2 = 85.1; higher first: 88.0, 86.0 above ours → rank 3 of 4
    assert y2025["ours"] == {"id": "1961", "name": "Hallstahammar", "value": "84.2", "status": ""}
    assert [(p["id"], p["name"], p["value"], p["status"]) for p in y2025["peers"]] == [
        ("1960", "Kungsör", "80.5", "B"),
        ("1962", "Norberg", "86", ""),
        ("1980", "Västerås", "88", ""),
    ]
    assert (y2025["median"], y2025["rank"], y2025["ranked"]) == ("85.1", 3, 4)
    # 2024: ours missing → no rank; median of 80 and 79 = 79.5; Västerås without a value
    assert (y2024["ours"]["value"], y2024["rank"], y2024["median"], y2024["ranked"]) == (None, None, "79.5", 2)
    assert y2024["peers"][2] == {"id": "1980", "name": "Västerås", "value": None, "status": ""}

    # women 2025: 86.9 ours, Kungsör missing, 88.0, 85.0 → median 86.9, rank 2 of 3
    women = (
        await client.get(COMPARISON, params={"kpi": "N15428", "peer_group_id": group["id"], "years": "2025", "gender": "K"}, headers=reader)
    ).json()
    assert (women["years"][0]["median"], women["years"][0]["rank"], women["years"][0]["ranked"]) == ("86.9", 2, 3)


async def test_the_catalogues_direction_ranks_and_ties_share_a_rank(app, client, council, as_role):
    await _figures(app)
    lower = factories.indicator(name="Behöriga (lägre är bättre, för provet)", kolada_kpi_id="N15428", direction="LOWER_IS_BETTER")
    await factories.add(app, lower, _value("1961", 2023, "T", "80"), _value("1960", 2023, "T", "80"), _value("1962", 2023, "T", "79"))
    group = await _group(client, council, municipality_ids=["1960", "1962", "1980"])
    response = await client.get(
        COMPARISON,
        params={"indicator_id": str(lower.id), "peer_group_id": group["id"], "years": "2023,2025"},
        headers=as_role(Role.REVISOR),
    )
    y2023, y2025 = response.json()["years"]
    assert response.json()["direction"] == "LOWER_IS_BETTER" and response.json()["indicator_id"] == str(lower.id)
    # lower first, 2025: only 80.5 is below 84.2 → rank 2; 2023: 79 below, Kungsör's 80 ties with ours → both 2nd
    assert y2025["rank"] == 2 and y2023["rank"] == 2 and y2023["median"] == "80"


async def test_comparison_questions_that_do_not_fit_are_refused(client, council):
    group = await _group(client, council, municipality_ids=["1960"])
    both = await client.get(COMPARISON, params={"peer_group_id": group["id"]}, headers=council)
    assert both.status_code == 422 and both.json()["errors"][0]["pointer"] == "#/query/kpi"
    years = await client.get(COMPARISON, params={"kpi": "N15428", "peer_group_id": group["id"], "years": "2025,tjugo"}, headers=council)
    assert years.status_code == 422 and years.json()["errors"][0]["pointer"] == "#/query/years"
    unknown = await client.get(COMPARISON, params={"kpi": "N15428", "peer_group_id": str(uuid.uuid4())}, headers=council)
    assert unknown.status_code == 404


async def test_a_quality_factor_shows_its_kolada_key_figures_compared(app, client, council, as_role):
    await _figures(app)
    factor = factories.quality_factor(uuid.UUID(BOARD))
    kolada = factories.indicator(name="Behöriga till yrkesprogram", kolada_kpi_id="N15428")
    internal = factories.indicator(name="Nöjda vårdnadshavare")
    await factories.add(app, factor, kolada, internal)
    kolada_use = factories.indicator_use(kolada, uuid.UUID(BOARD), quality_factor_=factor)
    await factories.add(app, kolada_use, factories.indicator_use(internal, uuid.UUID(BOARD), quality_factor_=factor))
    group = await _group(client, council, municipality_ids=["1960", "1962", "1980"])
    response = await client.get(
        f"{API}/quality-factors/{factor.id}/comparison",
        params={"peer_group_id": group["id"], "years": "2025"},
        headers=as_role(Role.ENHET, BOARD, [BOARD]),
    )
    assert response.status_code == 200, response.text
    figures = response.json()["key_figures"]
    assert [f["indicator_use_id"] for f in figures] == [str(kolada_use.id)]
    assert figures[0]["comparison"]["years"][0]["median"] == "85.1" and figures[0]["comparison"]["direction"] == "HIGHER_IS_BETTER"
    missing = await client.get(f"{API}/quality-factors/{uuid.uuid4()}/comparison", params={"peer_group_id": group["id"]}, headers=council)
    assert missing.status_code == 404


async def test_peer_groups_are_kept_by_the_council_and_read_by_all(app, client, council, as_role):
    group = await _group(client, council, municipality_ids=["1962", "1960", "1960"], description="Kommuner i länet")
    assert group["municipality_ids"] == ["1960", "1962"]
    reader = as_role(Role.ENHET, BOARD, [BOARD])
    read = await client.get(f"{GROUPS}/{group['id']}", headers=reader)
    assert read.status_code == 200 and read.json()["name"] == "Liknande kommuner"
    assert [g["id"] for g in (await client.get(GROUPS, headers=reader)).json()["items"]] == [group["id"]]

    # refused: a board, the council of one part of the municipality; nothing changes
    for headers in (as_role(Role.NAMND, BOARD, [BOARD]), as_role(Role.FULLMAKTIGE, COUNCIL, [COUNCIL])):
        assert (await client.post(GROUPS, json={"name": "Annan", "municipality_ids": ["1980"]}, headers=headers)).status_code == 403
        patch = await client.patch(f"{GROUPS}/{group['id']}", json={"name": "Annan"}, headers=headers | {"if-match": read.headers["etag"]})
        assert patch.status_code == 403
        assert (await client.delete(f"{GROUPS}/{group['id']}", headers=headers | {"if-match": read.headers["etag"]})).status_code == 403
    assert len((await client.get(GROUPS, headers=reader)).json()["items"]) == 1
    assert (await client.get(f"{GROUPS}/{group['id']}", headers=reader)).json()["name"] == "Liknande kommuner"

    bad = await client.post(GROUPS, json={"name": "Fel", "municipality_ids": ["19"]}, headers=council)
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "#/municipality_ids/0"
    neither = await client.post(GROUPS, json={"name": "Fel"}, headers=council)
    assert neither.status_code == 422

    assert (await client.patch(f"{GROUPS}/{group['id']}", json={"name": "Nytt namn"}, headers=council)).status_code == 428
    changed = await client.patch(
        f"{GROUPS}/{group['id']}",
        json={"name": "Nytt namn", "municipality_ids": ["1980"]},
        headers=council | {"if-match": read.headers["etag"]},
    )
    assert changed.status_code == 200 and changed.json()["municipality_ids"] == ["1980"] and changed.json()["row_version"] == 2
    stale = await client.delete(f"{GROUPS}/{group['id']}", headers=council | {"if-match": read.headers["etag"]})
    assert stale.status_code == 412
    admin = as_role(Role.ADMIN)
    assert (await client.delete(f"{GROUPS}/{group['id']}", headers=admin | {"if-match": changed.headers["etag"]})).status_code == 204
    assert (await client.get(f"{GROUPS}/{group['id']}", headers=reader)).status_code == 404


async def test_a_peer_group_starts_from_one_of_koladas_municipality_groups(app, client, council):
    async with fake_kolada() as kolada:
        app.state.kolada_client, _ = kolada.client()
        try:
            group = await _group(client, council, kolada_group_id="G1")
            unknown = await client.post(GROUPS, json={"name": "Okänd", "kolada_group_id": "G404"}, headers=council)
        finally:
            del app.state.kolada_client
    assert group["municipality_ids"] == ["1960", "1962"] and group["kolada_group_id"] == "G1"
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["pointer"] == "#/kolada_group_id"
    assert kolada.paths("municipality_groups/") == [
        "/v3/municipality_groups/G1?per_page=5000",
        "/v3/municipality_groups/G404?per_page=5000",
    ]
