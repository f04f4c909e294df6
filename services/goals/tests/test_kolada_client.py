"""The Kolada client against a local stand-in serving Kolada's shapes: pages followed by next_url,
ids chunked 25 to a request, incremental reads with deletions, a 429 waited out as its Retry-After
asks, and a clear problem naming Kolada when it is slow or away."""

import datetime as dt
from decimal import Decimal

import pytest

from goals_service.kolada import payload
from goals_service.kolada.client import KoladaUnavailable, chunks, retry_after_seconds
from services.goals.tests.support.kolada import Scripted, fake_kolada
from styrkedjan_common.testing import closed_port


async def _rows(client, *args, **kwargs):
    rows = []
    async for page in client.values(*args, **kwargs):
        rows.extend(page)
    return rows


async def test_values_are_read_over_every_page_until_next_url_is_null():
    async with fake_kolada() as kolada:
        client, _ = kolada.client(per_page=3)
        rows = await _rows(client, ["N15428", "N00901"], ["1961", "1960", "0000"], [2025])
    assert len(rows) == 6
    assert kolada.requests[0].startswith("/v3/data/kpi/N15428,N00901/municipality/1961,1960,0000/year/2025?per_page=3")
    assert "page=2" in kolada.requests[1] and len(kolada.requests) == 2
    errors = payload.Errors()
    parsed = payload.data_rows(rows, errors)
    assert errors.count == 0
    # period as an integer (v3) and as a string (older payloads) alike; a null value is missing, never zero
    assert {row.year for row in parsed} == {2025}
    kungsor = next(row for row in parsed if row.kpi == "N15428" and row.municipality == "1960")
    assert [(v.gender, v.value, v.status) for v in kungsor.values] == [
        ("T", Decimal("80.5"), ""),
        ("K", None, ""),
        ("M", Decimal("78.0"), "B"),
    ]


async def test_more_than_25_ids_go_in_several_requests():
    ids = [f"N{n:05d}" for n in range(30)]
    assert [len(chunk) for chunk in chunks(ids)] == [25, 5]
    async with fake_kolada() as kolada:
        client, _ = kolada.client()
        await client.kpis([*ids, "N15428"])
        kpi_requests = kolada.paths("kpi/")
    assert len(kpi_requests) == 2
    assert kpi_requests[0].split("?")[0].count(",") == 24 and "N15428" in kpi_requests[1]


async def test_an_incremental_read_asks_from_a_date_and_carries_deletions():
    async with fake_kolada() as kolada:
        client, _ = kolada.client()
        rows = await _rows(client, ["N15428"], ["1961", "1960"], [2025], from_date=dt.date(2026, 11, 1))
        assert "from_date=2026-11-01" in kolada.requests[0]
    parsed = payload.data_rows(rows, payload.Errors())
    assert [(row.municipality, row.deleted) for row in parsed] == [("1961", False), ("1960", True)]


async def test_a_429_is_waited_out_as_retry_after_asks_then_read():
    async with fake_kolada() as kolada:
        kolada.script = [Scripted(status=429, headers={"Retry-After": "3"}), Scripted(status=429)]
        client, waits = kolada.client()
        rows = await client.kpis(["N15428"])
    assert [row["id"] for row in rows] == ["N15428"]
    assert waits == [3.0, 2.0]  # as asked, then (no Retry-After) the doubled back-off
    assert len(kolada.requests) == 3


async def test_a_429_that_does_not_end_is_a_503_naming_kolada():
    async with fake_kolada() as kolada:
        kolada.script = [Scripted(status=429, headers={"Retry-After": "1"}) for _ in range(3)]
        client, waits = kolada.client(max_attempts=3)
        with pytest.raises(KoladaUnavailable) as refused:
            await client.kpis(["N15428"])
    assert refused.value.status == 503 and "Kolada" in refused.value.detail and refused.value.headers == {"Retry-After": "1"}
    assert waits == [1.0, 1.0]


async def test_a_retry_after_longer_than_allowed_is_not_waited():
    async with fake_kolada() as kolada:
        kolada.script = [Scripted(status=429, headers={"Retry-After": "3600"})]
        client, waits = kolada.client(max_retry_after_seconds=60)
        with pytest.raises(KoladaUnavailable):
            await client.kpis(["N15428"])
    assert waits == []


def test_retry_after_reads_seconds_and_http_dates():
    now = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("5") == 5.0
    assert retry_after_seconds("Sun, 06 Dec 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


async def test_kolada_not_answering_in_time_is_a_504_naming_kolada():
    async with fake_kolada() as kolada:
        kolada.script = [Scripted(delay=2.0, body={"values": [], "next_url": None})]
        client, _ = kolada.client(timeout_seconds=0.2)
        with pytest.raises(KoladaUnavailable) as refused:
            await client.kpis(["N15428"])
    assert refused.value.status == 504 and "Kolada did not answer in time" in refused.value.detail


async def test_kolada_unreachable_or_failing_is_a_503_naming_kolada():
    async with fake_kolada() as kolada:
        client, _ = kolada.client()
        client.base_url = f"http://127.0.0.1:{closed_port()}/v3"
        with pytest.raises(KoladaUnavailable) as unreachable:
            await client.kpis(["N15428"])
        assert unreachable.value.status == 503 and "Kolada cannot be reached" in unreachable.value.detail
        kolada.script = [Scripted(status=500, body={"detail": "boom"})]
        client, _ = kolada.client()
        with pytest.raises(KoladaUnavailable) as failing:
            await client.kpis(["N15428"])
    assert failing.value.status == 503 and "Kolada answered 500" in failing.value.detail


def test_kpi_metadata_reads_gender_split_and_agenda_2030_links_where_carried():
    errors = payload.Errors()
    metas = payload.kpi_metas(
        [
            {"id": "N15428", "title": "Behöriga", "description": "Andel", "is_divided_by_gender": True, "sdgs": ["4.1", "Mål 10", 4]},
            {"id": "N00901", "title": "Skattesats", "is_divided_by_gender": False},
            {"id": "X1", "title": "Fel"},
        ],
        errors,
    )
    assert [(m.id, m.gender_split, m.sdgs) for m in metas] == [("N15428", True, [4, 10]), ("N00901", False, None)]
    assert errors.listed == [{"pointer": "#/values/2/id", "detail": "expected a Kolada key figure id such as N15428, not 'X1'"}]
