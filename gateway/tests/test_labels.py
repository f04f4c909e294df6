"""GET /api/labels: every signed-in role reads the labels of every enum value, with an ETag that
makes an unchanged answer a 304; without a token, 401."""

import pytest

from styrkedjan_common.labels import ENUM_LABELS

DEMO_SUBJECTS = ["kf.demo", "namnd.demo", "forvaltning.demo", "enhet.demo", "revisor.demo", "admin.demo"]


@pytest.mark.parametrize("subject", DEMO_SUBJECTS)
async def test_every_signed_in_role_reads_the_labels(client, as_user, subject):
    response = await client.get("/api/labels", headers=as_user(subject))
    assert response.status_code == 200, response.text
    enums = response.json()["enums"]
    assert enums["GoalsPerspective"]["OPERATIONS"] == {"sv": "Verksamhet", "en": "Operations"}
    assert enums["FollowupFollowupOccasion"]["INTERIM"] == {"sv": "Delårsrapport", "en": "Interim report"}
    assert enums["FollowupCycleDisplayStatus"]["LATE"] == {"sv": "Försenat", "en": "Late"}
    assert enums == ENUM_LABELS


async def test_an_unchanged_answer_is_a_304_to_its_etag(client, as_user):
    first = await client.get("/api/labels", headers=as_user("enhet.demo"))
    etag = first.headers["etag"]
    again = await client.get("/api/labels", headers=as_user("revisor.demo") | {"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert again.content == b""


async def test_without_a_token_the_labels_are_401(client, problem):
    problem(await client.get("/api/labels"), 401)
