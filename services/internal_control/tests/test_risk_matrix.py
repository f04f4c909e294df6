"""The risk matrix of an assessment: 4 × 4 cells of likelihood × consequence with their value, band
and number of risks, and the totals per colour band (reference.md §2.5)."""

import uuid

import pytest

from services.internal_control.tests.support.risks import ASSESSMENTS, add_risk, create_assessment, out_of_scope
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers


def cell(matrix, likelihood, consequence):
    return next(c for c in matrix["cells"] if (c["likelihood"], c["consequence"]) == (likelihood, consequence))


async def assessment_with_risks(client, headers, *scores):
    assessment_id = (await create_assessment(client, headers)).json()["id"]
    for likelihood, consequence in scores:
        await add_risk(client, headers, assessment_id, likelihood=likelihood, consequence=consequence)
    return assessment_id


async def test_matrix_counts_risks_per_cell_and_per_band(client, administration):
    assessment_id = await assessment_with_risks(client, administration, (3, 3), (3, 3), (1, 2), (4, 4), (2, 3))
    response = await client.get(f"{ASSESSMENTS}/{assessment_id}/matrix", headers=administration)
    assert response.status_code == 200, response.text
    matrix = response.json()
    assert matrix["assessment_id"] == assessment_id and matrix["total"] == 5
    assert [(c["likelihood"], c["consequence"]) for c in matrix["cells"][:5]] == [(1, 1), (1, 2), (1, 3), (1, 4), (2, 1)]
    assert len(matrix["cells"]) == 16 and sum(c["count"] for c in matrix["cells"]) == 5
    assert cell(matrix, 3, 3) == {"likelihood": 3, "consequence": 3, "value": 9, "band": {"label": "Hög", "colour": "#EF6C00"}, "count": 2}
    assert cell(matrix, 4, 4)["band"]["label"] == "Mycket hög" and cell(matrix, 4, 4)["count"] == 1
    assert cell(matrix, 2, 2) == {
        "likelihood": 2,
        "consequence": 2,
        "value": 4,
        "band": {"label": "Medel", "colour": "#F9A825"},
        "count": 0,
    }
    assert {b["label"]: b["count"] for b in matrix["bands"]} == {"Låg": 1, "Medel": 1, "Hög": 2, "Mycket hög": 1}
    assert matrix["bands"][0] == {"min_value": 1, "max_value": 3, "label": "Låg", "colour": "#2E7D32", "count": 1}


async def test_matrix_of_an_assessment_without_risks_is_empty(client, administration):
    assessment_id = await assessment_with_risks(client, administration)
    matrix = (await client.get(f"{ASSESSMENTS}/{assessment_id}/matrix", headers=administration)).json()
    assert matrix["total"] == 0 and {c["count"] for c in matrix["cells"]} == {0}
    assert [c["value"] for c in matrix["cells"] if c["likelihood"] == 4] == [4, 8, 12, 16]


async def test_matrix_bands_follow_the_configuration(client, administration, configured_scales):
    assessment_id = await assessment_with_risks(client, administration, (2, 4), (3, 3))
    matrix = (await client.get(f"{ASSESSMENTS}/{assessment_id}/matrix", headers=administration)).json()
    assert cell(matrix, 2, 4)["band"] == {"label": "Gul", "colour": "#FFFF00"}
    assert {b["label"]: b["count"] for b in matrix["bands"]} == {"Grön": 0, "Gul": 1, "Röd": 1}


@pytest.mark.parametrize("role", [Role.REVISOR, Role.FULLMAKTIGE])
async def test_auditors_and_the_executive_board_read_any_boards_matrix(client, as_role, administration, role):
    assessment_id = await assessment_with_risks(client, administration, (1, 1))
    response = await client.get(f"{ASSESSMENTS}/{assessment_id}/matrix", headers=as_role(role))
    assert response.status_code == 200 and response.json()["total"] == 1


@pytest.mark.parametrize("role", [Role.NAMND, Role.FORVALTNING, Role.ENHET])
async def test_another_boards_matrix_is_not_disclosed(client, as_role, administration, role):
    assessment_id = await assessment_with_risks(client, administration, (1, 1))
    response = await client.get(f"{ASSESSMENTS}/{assessment_id}/matrix", headers=out_of_scope(as_role, role))
    assert_problem(response, 404, "no risk assessment")


async def test_matrix_refusals(client, as_role, administration):
    assessment_id = await assessment_with_risks(client, administration)
    url = f"{ASSESSMENTS}/{assessment_id}/matrix"
    assert_problem(await client.get(url), 401)
    assert_problem(await client.get(url, headers=as_role(Role.ADMIN)), 403, type_="role-not-allowed")
    assert_problem(await client.get(f"{ASSESSMENTS}/{uuid.uuid4()}/matrix", headers=administration), 404)
    response = await client.get(f"{ASSESSMENTS}/nope/matrix", headers=administration)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/assessment_id"}
