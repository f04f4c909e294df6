"""What several whole-system tests share: the vision API's path and a valid vision and decision."""

VISIONS = "/api/goals/v1/visions"
VISION = {
    "horizon_start_year": 2026,
    "horizon_end_year": 2037,
    "text": "Hallstahammar – en plats att leva, verka och bo på.",
    "core_values": [{"name": "Delaktighet", "description": "Vi involverar dem vi finns till för."}],
}
DECISION = {"body": "Kommunfullmäktige", "decision_date": "2026-06-15", "reference": "KF § 45/2026"}
