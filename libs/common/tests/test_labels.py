"""The labels beside the enums of an OpenAPI document: a named enum by its schema's name, an inline
enum by its values, in the order of `enum` for generators and by value for lookups; examples and
defaults are data and left alone, an enum without labels is left bare for the suite to name."""

from typing import Any

from styrkedjan_common.labels import ENUM_LABELS, describe_enums, enums_in

OCCASION_VALUES = ["ANNUAL", "FORECAST", "INTERIM"]


def document() -> dict[str, Any]:
    return {
        "paths": {
            "/api/goals/v1/cycles/{year}/steps": {
                "get": {
                    "parameters": [
                        {"name": "display", "in": "query", "schema": {"type": "string", "enum": ["LATE", "DONE", "IN_PROGRESS", "PLANNED"]}}
                    ],
                    "responses": {"200": {"headers": {"Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]}}}}},
                }
            }
        },
        "components": {
            "schemas": {
                "GoalsFollowupOccasion": {"type": "string", "enum": OCCASION_VALUES, "title": "GoalsFollowupOccasion"},
                "GoalsReportRead": {
                    "type": "object",
                    "properties": {
                        # A property may be called `default`: it is a schema like any other.
                        "default": {"type": "string", "enum": ["council", "board", "unit", "administration", "executive_board"]},
                        "status": {"type": "string", "enum": ["DRAFT"], "default": "DRAFT", "examples": [{"enum": ["DRAFT"]}]},
                    },
                },
                "GoalsNewKind": {"type": "string", "enum": ["NEW"], "title": "GoalsNewKind"},
            }
        },
    }


def test_a_named_enum_gets_its_swedish_labels_in_its_order_and_both_languages_by_value() -> None:
    doc = document()
    describe_enums(doc)
    occasion = doc["components"]["schemas"]["GoalsFollowupOccasion"]
    assert occasion["enum"] == OCCASION_VALUES
    assert occasion["x-enum-descriptions"] == ["Årsredovisning", "Resultatprognos", "Delårsrapport"]
    assert occasion["x-enum-labels"]["INTERIM"] == {"sv": "Delårsrapport", "en": "Interim report"}


def test_an_inline_enum_is_known_by_its_values_wherever_it_is() -> None:
    doc = document()
    describe_enums(doc)
    operation = doc["paths"]["/api/goals/v1/cycles/{year}/steps"]["get"]
    assert operation["parameters"][0]["schema"]["x-enum-descriptions"] == ["Försenat", "Klart", "Pågående", "Planerat"]
    assert operation["responses"]["200"]["headers"]["Idempotent-Replayed"]["schema"]["x-enum-labels"] == {
        "true": {"sv": "Upprepat svar", "en": "Replayed answer"}
    }
    responsible = doc["components"]["schemas"]["GoalsReportRead"]["properties"]["default"]
    assert responsible["x-enum-labels"]["executive_board"] == {"sv": "Kommunstyrelse", "en": "Municipal executive board"}


def test_defaults_and_examples_are_data_and_an_enum_without_labels_stays_bare() -> None:
    doc = document()
    describe_enums(doc)
    schemas = doc["components"]["schemas"]
    status = schemas["GoalsReportRead"]["properties"]["status"]
    assert status["examples"] == [{"enum": ["DRAFT"]}]
    assert "x-enum-labels" not in schemas["GoalsNewKind"]
    # An inline enum of one value no value set has: nothing to say about it.
    assert "x-enum-labels" not in status
    places = [place for place, _, _ in enums_in(doc)]
    assert "#/components/schemas/GoalsReportRead/properties/status/examples/0" not in places


def test_every_value_of_every_enum_has_a_swedish_and_an_english_label() -> None:
    blank = [
        f"{enum}.{value}" for enum, labels in ENUM_LABELS.items() for value, label in labels.items() if not (label["sv"] and label["en"])
    ]
    assert blank == []
