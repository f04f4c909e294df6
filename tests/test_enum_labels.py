"""Every enum value of the merged OpenAPI document has a Swedish and an English label, beside it in
the document and in GET /api/labels alike, so no frontend writes its own. A new enum without
labels (in styrkedjan_common.labels) fails here, named by its place in the document."""

from __future__ import annotations

from typing import Any

import httpx

from styrkedjan_common.labels import enums_in


def test_every_enum_value_of_the_document_has_a_swedish_and_an_english_label(openapi: dict[str, Any]) -> None:
    enums = list(enums_in(openapi))
    assert len(enums) > 50  # the gateway's and all four services'
    unlabelled = []
    for place, _, schema in enums:
        labels = schema.get("x-enum-labels", {})
        missing = [value for value in schema["enum"] if not (labels.get(str(value), {}).get("sv") and labels[str(value)].get("en"))]
        if missing:
            unlabelled.append(f"{place} {missing}")
        else:
            assert schema["x-enum-descriptions"] == [labels[str(value)]["sv"] for value in schema["enum"]], place
    assert unlabelled == []


def test_the_labels_operation_answers_what_the_document_says_of_each_named_enum(kf: httpx.Client, openapi: dict[str, Any]) -> None:
    response = kf.get("/api/labels")
    assert response.status_code == 200, response.text
    served = response.json()["enums"]
    named = {name: schema["x-enum-labels"] for _, name, schema in enums_in(openapi) if name is not None}
    assert {name: served.get(name) for name in named} == named
