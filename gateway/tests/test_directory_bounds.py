"""The directory's own operations bound what a client sends like the services' do: every list's page
size by the shared maximum, and no integer in a query or a path without a domain."""

from styrkedjan_common.http import MAX_LIMIT
from styrkedjan_common.testing_bounds import integer_schema, operations, request_for


async def test_every_directory_list_caps_its_page_size(gateway, client, as_user):
    spec = gateway.api.openapi()
    admin = as_user("admin.demo")
    lists = [
        (path, operation, parameter)
        for path, method, operation in operations(spec)
        # The feed the services' replicas read pages by its own bound (test_directory_feed).
        if method == "get" and operation.get("x-roles")
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "limit"
    ]
    assert len(lists) >= 2
    for path, operation, parameter in lists:
        assert (integer_schema(spec, parameter) or {}).get("maximum") == MAX_LIMIT, path
        url, query = request_for(spec, path, operation, "limit", MAX_LIMIT + 1)
        response = await client.get(url, params=query, headers=admin)
        assert response.status_code == 422 and [e["pointer"] for e in response.json()["errors"]] == ["#/query/limit"], path


def test_every_directory_integer_parameter_declares_its_domain(gateway):
    spec = gateway.api.openapi()
    unbounded = [
        (method, path, parameter["name"])
        for path, method, operation in operations(spec)
        for parameter in operation.get("parameters", [])
        if (schema := integer_schema(spec, parameter)) is not None and not {"minimum", "maximum"} <= schema.keys()
    ]
    assert not unbounded
