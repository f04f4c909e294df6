"""Identity reaches a service only as the gateway's signed assertion, for that service.

A client cannot assert an identity through the gateway (its identity headers are dropped, even a
genuinely signed assertion), and a service called directly refuses anything but an assertion the
gateway signed for it.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from styrkedjan_common import testing
from styrkedjan_common.identity import ALL_UNITS, AssertionSigner, Assignment, Principal, Role
from styrkedjan_common.testing import ASSERTION_ISSUER, principal
from tests.support import VISION, VISIONS
from tools.stack import SERVICES

INVALID_ASSERTION = "urn:styrkedjan:problem:invalid-assertion"


def council_principal(kf: httpx.Client) -> Principal:
    """The real fullmaktige user, as the gateway would describe them."""
    me = kf.get("/api/me").json()
    assignments = tuple(Assignment(Role(a["role"]), a["org_unit_id"], None) for a in me["assignments"])
    return Principal(user_id=me["id"], name=me["display_name"], assignments=assignments)


def forged_headers(system: Any, kf: httpx.Client, audience: str = "goals") -> dict[str, str]:
    council = council_principal(kf)
    return {
        "x-identity-assertion": system.assertion(audience, council),
        "x-user-id": council.user_id,
        "x-user": "kf.demo",
        "x-roles": "fullmaktige",
        "x-user-roles": "fullmaktige",
        "x-remote-user": "kf.demo",
        "x-forwarded-user": "kf.demo",
    }


@pytest.mark.usefixtures("clean_vision")
def test_identity_headers_from_the_client_do_not_let_a_forvaltning_user_write_the_vision(system: Any, kf: httpx.Client) -> None:
    with system.client("forvaltning.demo", headers=forged_headers(system, kf)) as forvaltning:
        response = forvaltning.post(VISIONS, json=VISION)
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "urn:styrkedjan:problem:role-not-allowed"
    assert not [v for v in kf.get(VISIONS).json()["items"] if v["status"] == "DRAFT"], "a draft was created"


@pytest.mark.usefixtures("clean_vision")
def test_a_signed_assertion_from_the_client_is_not_passed_on_to_the_service(system: Any, kf: httpx.Client) -> None:
    # Drafts are readable by fullmaktige and revisor only: the service decides that from the
    # assertion it receives, so this shows which assertion reached it.
    draft = kf.post(VISIONS, json=VISION)
    assert draft.status_code == 201, draft.text
    with system.client("forvaltning.demo", headers=forged_headers(system, kf)) as forvaltning:
        assert forvaltning.get(f"{VISIONS}/{draft.json()['id']}").status_code == 404
        listed = forvaltning.get(VISIONS)
        assert listed.status_code == 200
        assert draft.json()["id"] not in {v["id"] for v in listed.json()["items"]}


def test_a_signed_assertion_without_a_bearer_token_is_401(system: Any, kf: httpx.Client) -> None:
    with system.client(headers=forged_headers(system, kf)) as anonymous:
        # A service's path: the header is never read, the caller simply has not signed in. The
        # gateway's own API reads it as a service's assertion, which a user assertion is not.
        for method, path, refusal in [
            ("GET", VISIONS, "unauthenticated"),
            ("POST", VISIONS, "unauthenticated"),
            ("GET", "/api/me", "invalid-assertion"),
            ("GET", "/api/directory/v1/users", "invalid-assertion"),
        ]:
            response = anonymous.request(method, path, json=VISION if method == "POST" else None)
            assert response.status_code == 401, f"{method} {path}: {response.text}"
            assert response.json()["type"] == f"urn:styrkedjan:problem:{refusal}"


# --- services called directly, bypassing the gateway ---------------------------------------

AUDIT_EVENTS = {s.name: f"/api/{s.name}/v1/audit-events" for s in SERVICES}


def direct(system: Any, service: str, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.get(system.stack.url(service) + path, headers=headers or {}, timeout=15)


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == INVALID_ASSERTION


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_a_service_called_directly_without_an_assertion_is_401(system: Any, service: str) -> None:
    assert_refused(direct(system, service, AUDIT_EVENTS[service]))


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_a_service_refuses_an_assertion_signed_for_another_service(system: Any, service: str) -> None:
    other = next(s.name for s in SERVICES if s.name != service)
    assertion = system.assertion(other, principal(Role.REVISOR))
    assert_refused(direct(system, service, AUDIT_EVENTS[service], {"x-identity-assertion": assertion}))


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_a_service_accepts_the_gateways_assertion_for_itself(system: Any, service: str) -> None:
    assertion = system.assertion(service, principal(Role.REVISOR))
    response = direct(system, service, AUDIT_EVENTS[service], {"x-identity-assertion": assertion})
    assert response.status_code == 200, response.text


def test_goals_called_directly_answers_only_with_a_correct_assertion(system: Any) -> None:
    assert_refused(direct(system, "goals", VISIONS))
    assert_refused(direct(system, "goals", VISIONS, {"x-identity-assertion": system.assertion("budget", principal(Role.FULLMAKTIGE))}))
    response = direct(system, "goals", VISIONS, {"x-identity-assertion": system.assertion("goals", principal(Role.FULLMAKTIGE))})
    assert response.status_code == 200, response.text
    assert "items" in response.json()


def test_a_service_refuses_an_assertion_signed_by_another_key(system: Any) -> None:
    assertion, _ = testing.TestKeys.generate().signer().sign(principal(Role.FULLMAKTIGE), "goals")
    assert_refused(direct(system, "goals", VISIONS, {"x-identity-assertion": assertion}))


def test_a_service_refuses_an_expired_assertion(system: Any) -> None:
    signer = AssertionSigner(system.stack.keys.assertion_private.read_text(), ASSERTION_ISSUER, ttl_seconds=60)
    assertion, _ = signer.sign(principal(Role.FULLMAKTIGE), "goals", now=time.time() - 3600)
    assert_refused(direct(system, "goals", VISIONS, {"x-identity-assertion": assertion}))


def test_a_service_refuses_an_assertion_from_another_issuer(system: Any) -> None:
    signer = AssertionSigner(system.stack.keys.assertion_private.read_text(), "someone-else")
    assertion, _ = signer.sign(principal(Role.FULLMAKTIGE, scope=ALL_UNITS), "goals")
    assert_refused(direct(system, "goals", VISIONS, {"x-identity-assertion": assertion}))
