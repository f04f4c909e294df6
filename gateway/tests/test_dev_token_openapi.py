"""The development token endpoint is in the OpenAPI document exactly while it is on."""

import json

from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

DEV_TOKEN = "/api/auth/dev-token"


async def test_the_document_declares_the_endpoint_while_it_is_on(client, gateway):
    operation = gateway.api.openapi()["paths"][DEV_TOKEN]["post"]
    assert operation["security"] == []  # no token is needed to get one
    # 409: a retry with the same Idempotency-Key while the first is still being answered.
    assert set(operation["responses"]) == {"200", "404", "409", "422"}
    assert "Idempotency-Key" in [parameter["name"] for parameter in operation["parameters"]]
    schemas = gateway.api.openapi()["components"]["schemas"]
    declared = schemas["DevToken"]
    minted = (await client.post(DEV_TOKEN, json=operation["requestBody"]["content"]["application/json"]["example"])).json()
    assert set(minted) == set(declared["properties"]) == set(declared["required"])
    assert set(schemas["DevTokenRequest"]["properties"]) == {"subject", "client_id"}


async def test_the_document_leaves_the_endpoint_out_when_it_is_off(start_gateway):
    jwk = json.loads(ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())) | {"kid": "k1"}
    oidc = {"oidc_issuer": "https://login.example.se", "oidc_audience": "styrkedjan-api", "oidc_jwks": json.dumps({"keys": [jwk]})}
    async with start_gateway(dev_issuer_enabled=False, **oidc) as (running, _):
        document = running.api.openapi()
    assert DEV_TOKEN not in document["paths"]
    assert "DevToken" not in document["components"]["schemas"]
