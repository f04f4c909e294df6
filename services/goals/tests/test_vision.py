from styrkedjan_common.identity import Role

VISIONS = "/api/goals/v1/visions"
VISION = {
    "horizon_start_year": 2025,
    "horizon_end_year": 2036,
    "text": "Hallstahammar – en plats att leva, verka och bo på.",
    "core_values": [{"name": "Delaktighet", "description": "Vi involverar dem vi finns till för."}],
}
DECISION = {"body": "Kommunfullmäktige", "decision_date": "2026-06-15", "reference": "KF § 45/2026"}


async def test_council_creates_a_draft_vision(client, as_role):
    response = await client.post(VISIONS, json=VISION, headers=as_role(Role.FULLMAKTIGE))
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "DRAFT" and body["revision"] == 1
    assert response.headers["etag"] == f'"{body["id"]}.1"'


async def test_forvaltning_cannot_write_the_vision(client, as_role):
    response = await client.post(VISIONS, json=VISION, headers=as_role(Role.FORVALTNING, "adm-1", ["adm-1"]))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    listed = await client.get(VISIONS, headers=as_role(Role.REVISOR))
    assert listed.json()["items"] == []
