"""The balance requirement statement: the worked statement of known figures the tests adopt, the board
that reads it, and the requests that put, create and adopt a year's statement and list the audit
trail's actions (test_balance.py, test_restoration.py)."""

from styrkedjan_common.identity import Role

API = "/api/budget/v1"
STATEMENTS = f"{API}/balance-statements"
AUDIT = f"{API}/audit-events"
DECISION = {"body": "Kommunfullmäktige", "decision_date": "2028-04-20", "reference": "KF § 31/2028"}
BOARD = "0b7c1e9e-5d0a-4c57-9a1f-0d8d3f6a1b22"

# A worked balanskravsutredning with known figures (kronor):
#   årets resultat                              12 345 678.90
#   − samtliga realisationsvinster              −1 200 000.00
#   + realisationsvinster enligt undantag          300 000.00
#   − orealiserade förluster i värdepapper         −45 678.90
#   = resultat efter balanskravsjusteringar     11 400 000.00
#   − reservering (limit: 11 400 000 − 1 % × 600 000 000 = 5 400 000)  −5 000 000.00
#   + användning av reserv                         250 000.00
#   = balanskravsresultat                        6 650 000.00
WORKED = {
    "result": "12345678.90",
    "realisation_gains": "1200000.00",
    "exempt_realisation_items": "300000.00",
    "unrealised_securities_losses": "-45678.90",
    "reserve_allocation": "5000000.00",
    "reserve_use": "250000.00",
    "tax_and_grants": "600000000.00",
    "equity_including_pension_liability": "250000000.00",
    "text": "Kommunen uppfyller balanskravet.",
}


def board(as_role, role=Role.NAMND):
    return as_role(role, BOARD, [BOARD])


async def put(client, headers, year, body, etag=None):
    extra = {"If-Match": etag} if etag else {}
    return await client.put(f"{STATEMENTS}/{year}", json=body, headers=headers | extra)


async def created(client, headers, year, **changes):
    response = await put(client, headers, year, WORKED | changes)
    assert response.status_code == 201, response.text
    return response


async def adopted(client, headers, year, **changes):
    response = await created(client, headers, year, **changes)
    adoption = await client.post(f"{STATEMENTS}/{year}/adoption", json=DECISION, headers=headers | {"If-Match": response.headers["etag"]})
    assert adoption.status_code == 200, adoption.text
    return adoption


async def audit_actions(client, as_role, entity_type):
    response = await client.get(AUDIT, params={"entity_type": entity_type}, headers=as_role(Role.REVISOR))
    return [event["action"] for event in response.json()["items"]]
