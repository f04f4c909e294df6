"""The service's API root and its audit log, read as the auditors read it."""

from typing import Any

from styrkedjan_common.identity import Role

API = "/api/internal-control/v1"
AUDIT = f"{API}/audit-events"


async def audit_events(client: Any, as_role: Any, entity_type: str) -> list[dict[str, Any]]:
    response = await client.get(AUDIT, params={"entity_type": entity_type}, headers=as_role(Role.REVISOR))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def audit_actions(client, auditors, entity_type, entity_id):
    """The actions audited on one entity, oldest first."""
    events = (await client.get(AUDIT, params={"entity_type": entity_type, "entity_id": entity_id}, headers=auditors)).json()["items"]
    return [event["action"] for event in reversed(events)]
