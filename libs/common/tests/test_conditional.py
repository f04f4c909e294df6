"""Conditional reads: a list's answer carries a weak ETag made from its body, and sending it back
in If-None-Match gets a 304 without the body until the answer changes; a record keeps its own
version ETag and is always answered whole; other methods and non-JSON answers pass untouched."""

from __future__ import annotations

import httpx
from fastapi import FastAPI, Response
from fastapi.responses import PlainTextResponse

from styrkedjan_common.conditional import ConditionalReads, matches

ITEMS = ["Nämndmål 1"]


def app() -> FastAPI:
    api = FastAPI()

    @api.get("/items")
    async def items() -> dict[str, list[str]]:
        return {"items": ITEMS}

    @api.get("/items/1")
    async def item(response: Response) -> dict[str, str]:
        response.headers["ETag"] = '"item-1.3"'
        return {"title": ITEMS[0]}

    @api.get("/export")
    async def export() -> PlainTextResponse:
        return PlainTextResponse("kod;namn\n1;Nämndmål 1\n")

    @api.post("/items")
    async def add() -> dict[str, list[str]]:
        return {"items": ITEMS}

    api.add_middleware(ConditionalReads)
    return api


async def test_a_list_is_answered_304_until_it_changes() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://probe") as client:
        first = await client.get("/items")
        tag = first.headers["etag"]
        assert tag.startswith('W/"') and first.json() == {"items": ITEMS}
        same = await client.get("/items", headers={"If-None-Match": tag})
        assert (same.status_code, same.content, same.headers["etag"]) == (304, b"", tag)
        assert "content-type" not in same.headers
        ITEMS.append("Nämndmål 2")
        try:
            changed = await client.get("/items", headers={"If-None-Match": tag})
        finally:
            ITEMS.pop()
        assert changed.status_code == 200 and changed.headers["etag"] != tag and len(changed.json()["items"]) == 2


async def test_a_record_keeps_its_version_etag_and_is_answered_whole() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://probe") as client:
        read = await client.get("/items/1", headers={"If-None-Match": '"item-1.3"'})
        assert (read.status_code, read.headers["etag"], read.json()) == (200, '"item-1.3"', {"title": ITEMS[0]})


async def test_other_methods_and_answers_pass_untouched() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://probe") as client:
        assert "etag" not in (await client.post("/items")).headers
        export = await client.get("/export")
        assert export.text.startswith("kod;namn") and "etag" not in export.headers


def test_if_none_match_compares_weakly_and_accepts_a_list_and_star() -> None:
    assert matches(b'"abc"', b'W/"abc"') and matches(b'W/"x", W/"abc"', b'W/"abc"') and matches(b"*", b'W/"abc"')
    assert not matches(b'W/"abd"', b'W/"abc"')
