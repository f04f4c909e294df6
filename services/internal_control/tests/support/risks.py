"""Risk assessments: an assessment of the board for 2027 and a risk in it, the scales the service
is configured with in conftest.py's `configured_scales`, and the requests that create an
assessment and add a risk (test_risks.py, test_risk_matrix.py)."""

from services.internal_control.tests.support.api import API
from services.internal_control.tests.support.organisation import BOARD, OTHER_BOARD

ASSESSMENTS = f"{API}/risk-assessments"
ASSESSMENT = {
    "board_org_unit_id": BOARD,
    "year": 2027,
    "title": "Risk- och väsentlighetsanalys 2027",
    "description": "Genomförd juni–september med förvaltningens ledningsgrupp.",
}
RISK = {
    "process": "Inköp",
    "description": "Inköp görs utanför upphandlade avtal.",
    "likelihood": 3,
    "consequence": 3,
    "decision": "CONTROL",
    "decision_note": "Stickprov på leverantörsfakturor.",
}
# Inera's likelihood labels and three bands, as the settings risk_* give them; CONFIGURED_BANDS
# is how the service reads the text.
CONFIGURED_BANDS_TEXT = "1-3 Grön #00FF00; 4-8 Gul #FFFF00; 9-16 Röd #FF0000"
CONFIGURED_BANDS = [
    {"min_value": 1, "max_value": 3, "label": "Grön", "colour": "#00FF00"},
    {"min_value": 4, "max_value": 8, "label": "Gul", "colour": "#FFFF00"},
    {"min_value": 9, "max_value": 16, "label": "Röd", "colour": "#FF0000"},
]
CONFIGURED_LIKELIHOOD = ["Mycket liten", "Liten", "Stor", "Mycket stor"]


def out_of_scope(as_role, role):
    """A caller of `role` over the other board only."""
    return as_role(role, OTHER_BOARD, [OTHER_BOARD])


async def create_assessment(client, headers, **changes):
    response = await client.post(ASSESSMENTS, json=ASSESSMENT | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def add_risk(client, headers, assessment_id, **changes):
    response = await client.post(f"{ASSESSMENTS}/{assessment_id}/risks", json=RISK | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response
