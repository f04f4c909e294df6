"""An error no handler takes, in the gateway's own layers, is still a 500 problem+json with the
request id, never the server's plain text."""


async def test_an_unhandled_error_in_the_gateway_is_a_500_problem_with_the_request_id(client, gateway, as_user, monkeypatch):
    async def broken(_subject):
        raise RuntimeError("a defect")

    headers = as_user("kf.demo") | {"X-Request-ID": "probe-500"}
    monkeypatch.setattr(gateway.api.state.resolver, "resolve", broken)
    response = await client.get("/api/me", headers=headers)
    assert (response.status_code, response.headers["content-type"]) == (500, "application/problem+json")
    body = response.json()
    assert (body["status"], body["request_id"], response.headers["x-request-id"]) == (500, "probe-500", "probe-500")
    assert "a defect" not in response.text
