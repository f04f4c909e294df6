"""The vision through the gateway: who may write it, conditional updates and the decision lifecycle.

There is one vision for the municipality and one revision prepared at a time, so every test starts
and ends with no draft or proposal open (`clean_vision`); decided revisions stay, and the tests do
not depend on how many came before.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.support import DECISION, VISION, VISIONS

pytestmark = pytest.mark.usefixtures("clean_vision")


def create_draft(kf: httpx.Client, **changes: Any) -> httpx.Response:
    response = kf.post(VISIONS, json=VISION | changes)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "DRAFT"
    return response


def decide(kf: httpx.Client, draft: httpx.Response) -> httpx.Response:
    path = f"{VISIONS}/{draft.json()['id']}"
    proposed = kf.post(f"{path}/proposal", headers={"If-Match": draft.headers["etag"]})
    assert proposed.status_code == 200, proposed.text
    decided = kf.post(f"{path}/decision", headers={"If-Match": proposed.headers["etag"]}, json=DECISION)
    assert decided.status_code == 200, decided.text
    return decided


def test_forvaltning_user_cannot_write_the_vision(system: Any, kf: httpx.Client) -> None:
    draft = create_draft(kf)
    path = f"{VISIONS}/{draft.json()['id']}"
    with system.client("forvaltning.demo") as forvaltning:
        attempts = [
            forvaltning.post(VISIONS, json=VISION),
            forvaltning.patch(path, json={"text": "Förvaltningens vision"}, headers={"If-Match": draft.headers["etag"]}),
            forvaltning.post(f"{path}/proposal", headers={"If-Match": draft.headers["etag"]}),
            forvaltning.delete(path, headers={"If-Match": draft.headers["etag"]}),
        ]
    for response in attempts:
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "urn:styrkedjan:problem:role-not-allowed"
    stored = kf.get(path)
    assert stored.json()["text"] == VISION["text"]
    assert stored.headers["etag"] == draft.headers["etag"]


def test_stale_if_match_is_412_and_the_stored_version_is_unchanged(kf: httpx.Client) -> None:
    draft = create_draft(kf)
    path = f"{VISIONS}/{draft.json()['id']}"
    first = kf.patch(path, json={"text": "Första ändringen"}, headers={"If-Match": draft.headers["etag"]})
    assert first.status_code == 200, first.text
    assert first.headers["etag"] != draft.headers["etag"]

    stale = kf.patch(path, json={"text": "Ändring från en gammal kopia"}, headers={"If-Match": draft.headers["etag"]})
    assert stale.status_code == 412, stale.text
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert stale.json()["type"] == "urn:styrkedjan:problem:precondition-failed"

    stored = kf.get(path)
    assert stored.json()["text"] == "Första ändringen"
    assert stored.json()["row_version"] == first.json()["row_version"]
    assert stored.headers["etag"] == first.headers["etag"]


def test_missing_if_match_is_428(kf: httpx.Client) -> None:
    draft = create_draft(kf)
    path = f"{VISIONS}/{draft.json()['id']}"
    for response in [
        kf.patch(path, json={"text": "Utan If-Match"}),
        kf.post(f"{path}/proposal"),
        kf.delete(path),
    ]:
        assert response.status_code == 428, response.text
        assert response.json()["type"] == "urn:styrkedjan:problem:precondition-required"
    stored = kf.get(path)
    assert stored.json()["text"] == VISION["text"]
    assert stored.json()["status"] == "DRAFT"


def test_decided_version_cannot_be_edited_and_a_new_revision_can_be_started_from_it(kf: httpx.Client) -> None:
    decided = decide(kf, create_draft(kf))
    path = f"{VISIONS}/{decided.json()['id']}"

    edit = kf.patch(path, json={"text": "Ändrad i efterhand"}, headers={"If-Match": decided.headers["etag"]})
    assert edit.status_code == 409, edit.text
    assert edit.json()["type"] == "urn:styrkedjan:problem:rule-violation"
    assert "immutable" in edit.json()["detail"] and "new revision" in edit.json()["detail"]
    deletion = kf.delete(path, headers={"If-Match": decided.headers["etag"]})
    assert deletion.status_code == 409, deletion.text
    assert kf.get(path).json()["text"] == VISION["text"]

    revision = kf.post(f"{path}/revisions")
    assert revision.status_code == 201, revision.text
    body = revision.json()
    assert body["status"] == "DRAFT"
    assert body["replaces_id"] == decided.json()["id"]
    assert body["revision"] == decided.json()["revision"] + 1
    assert body["text"] == VISION["text"]
    assert revision.headers["location"] == f"{VISIONS}/{body['id']}"
    assert kf.get(revision.headers["location"]).status_code == 200
    # The decided version is still the one in force until the revision is decided.
    assert kf.get(f"{VISIONS}/current").json()["id"] == decided.json()["id"]


def test_full_lifecycle_draft_proposed_decided_is_visible_at_current(system: Any, kf: httpx.Client) -> None:
    before = kf.get(f"{VISIONS}/current")
    previous_id = before.json()["id"] if before.status_code == 200 else None
    text = f"Hallstahammar 2037 – {uuid.uuid4().hex[:8]}"

    draft = create_draft(kf, text=text)
    path = f"{VISIONS}/{draft.json()['id']}"
    with system.client("namnd.demo") as namnd:
        assert namnd.get(path).status_code == 404, "a draft is not visible outside the council and the auditors"

    proposed = kf.post(f"{path}/proposal", headers={"If-Match": draft.headers["etag"]})
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["status"] == "PROPOSED"
    current = kf.get(f"{VISIONS}/current")
    assert current.status_code == 404 or current.json()["id"] == previous_id

    decided = kf.post(f"{path}/decision", headers={"If-Match": proposed.headers["etag"]}, json=DECISION)
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "DECIDED"
    assert decided.json()["decision"] == DECISION

    with system.client("enhet.demo") as enhet:
        current = enhet.get(f"{VISIONS}/current")
    assert current.status_code == 200, current.text
    assert current.json()["id"] == draft.json()["id"]
    assert current.json()["text"] == text
    assert current.json()["replaces_id"] == previous_id
    assert current.headers["etag"] == decided.headers["etag"]
    if previous_id is not None:
        assert kf.get(f"{VISIONS}/{previous_id}").json()["status"] == "ARCHIVED"


def test_a_second_open_revision_is_refused_naming_the_rule(kf: httpx.Client) -> None:
    create_draft(kf)
    second = kf.post(VISIONS, json=VISION)
    assert second.status_code == 409, second.text
    assert "one vision revision is prepared at a time" in second.json()["detail"]


def test_client_request_id_is_echoed_on_success_and_on_errors(system: Any, kf: httpx.Client) -> None:
    def call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> tuple[str, httpx.Response]:
        request_id = f"systest-{uuid.uuid4().hex}"
        return request_id, client.request(method, path, headers={"X-Request-ID": request_id} | kwargs.pop("headers", {}), **kwargs)

    draft = create_draft(kf)
    path = f"{VISIONS}/{draft.json()['id']}"
    with system.client("forvaltning.demo") as forvaltning, system.client() as anonymous:
        calls = {
            "200 from the service": (call(kf, "GET", path), 200),
            "409 from the service": (call(kf, "POST", f"{path}/revisions"), 409),  # not decided: a rule refusal
            "401 at the gateway": (call(anonymous, "GET", VISIONS), 401),
            "403 at the gateway": (call(forvaltning, "POST", VISIONS, json=VISION), 403),
            "404 from the service": (call(kf, "GET", f"{VISIONS}/{uuid.uuid4()}"), 404),
            "404 at the gateway": (call(kf, "GET", "/api/goals/v1/no-such-thing"), 404),
            "412 from the service": (call(kf, "PATCH", path, json={"text": "x"}, headers={"If-Match": '"stale.0"'}), 412),
            "422 from the service": (call(kf, "POST", VISIONS, json={}), 422),
            "428 from the service": (call(kf, "PATCH", path, json={"text": "x"}), 428),
        }
    for label, ((request_id, response), expected) in calls.items():
        assert response.status_code == expected, f"{label}: {response.status_code} {response.text}"
        assert response.headers.get("x-request-id") == request_id, label
        assert len(response.headers.get_list("x-request-id")) == 1, label
        if response.status_code >= 400:
            assert response.json().get("request_id") == request_id, f"{label}: the problem names another request id"


def test_a_request_id_is_generated_when_the_client_sends_none_or_an_unusable_one(kf: httpx.Client) -> None:
    generated = kf.get(VISIONS).headers["x-request-id"]
    assert generated
    unusable = kf.get(VISIONS, headers={"X-Request-ID": "bad id with spaces"}).headers["x-request-id"]
    assert unusable and unusable != "bad id with spaces"
