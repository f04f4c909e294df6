"""The directory's lists refuse a tampered cursor as every service's lists do: 422, never 500."""

from styrkedjan_common.testing import assert_lists_refuse_tampered_cursors


async def test_every_directory_list_refuses_a_tampered_cursor_with_a_422_naming_it(gateway, client, as_user):
    schema = gateway.api.openapi()
    # The administrator may call every directory list.
    await assert_lists_refuse_tampered_cursors(client, schema, lambda _role: as_user("admin.demo"))


async def test_directory_lists_still_page_with_the_cursors_they_issue(client, as_user):
    headers = as_user("admin.demo")
    seen, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/api/directory/v1/org-units", params=params, headers=headers)
        assert response.status_code == 200, response.text
        seen += [unit["id"] for unit in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    everything = await client.get("/api/directory/v1/org-units", params={"limit": 200}, headers=headers)
    assert seen == [unit["id"] for unit in everything.json()["items"]] and len(seen) > 3
