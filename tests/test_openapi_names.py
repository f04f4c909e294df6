"""The merged OpenAPI document as client generators read it: one clean, unique name per schema.

Frontend teams and integrators generate clients from the gateway's /openapi.json. Generators name
their classes after the schemas' keys and titles, and drop an operation whose models they cannot
name apart; so each schema's key is its title, no name carries a Python artefact, no two titled
models or enums differ under one title, and openapi-python-client generates every operation.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_python_client import generate
from openapi_python_client.config import Config, ConfigFile, MetaType

from tests.test_policy_matrix import operations

CLEAN_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")
# Values that are data (examples, defaults) rather than schemas.
INSTANCE_KEYWORDS = {"const", "default", "enum", "example", "examples"}


def titled_models_and_enums(node: Any, place: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema a generator makes a class of (a model or an enum) that carries a title."""
    if isinstance(node, dict):
        if isinstance(node.get("title"), str) and ("enum" in node or "properties" in node or node.get("type") == "object"):
            yield place, node
        for key, value in node.items():
            if key not in INSTANCE_KEYWORDS or place.endswith("/properties"):
                yield from titled_models_and_enums(value, f"{place}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from titled_models_and_enums(item, f"{place}/{index}")


def test_every_schema_is_named_once_and_titled_with_its_name(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    assert len(schemas) > 300  # the gateway's and all four services'
    assert [name for name, schema in schemas.items() if schema.get("title") != name] == []
    # No `Page_ActualRead_`, `Thresholds-Input` nor `gateway__directory__models__PrincipalKind`.
    assert [name for name in schemas if not CLEAN_NAME.fullmatch(name)] == []


def test_no_two_models_or_enums_differ_under_one_title(openapi: dict[str, Any]) -> None:
    by_title: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    roots = {f"#/components/schemas/{name}": schema for name, schema in openapi["components"]["schemas"].items()}
    roots["#/paths"] = openapi["paths"]
    for root, node in roots.items():
        for place, schema in titled_models_and_enums(node, root):
            content = json.dumps({key: value for key, value in schema.items() if key != "title"}, sort_keys=True)
            by_title[schema["title"]][content].append(place)
    clashes = {title: [places[0] for places in contents.values()] for title, contents in by_title.items() if len(contents) > 1}
    assert clashes == {}


@pytest.mark.parametrize("title_names_models", [False, True], ids=["path-prefixed-names", "title-names"])
def test_openapi_python_client_generates_every_operation(openapi: dict[str, Any], tmp_path: Path, title_names_models: bool) -> None:
    """Client generators are the consumers the names are for. Both of openapi-python-client's ways of
    naming inline models are tried: after their place, and after their title alone."""
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(openapi))
    config_file = ConfigFile(
        # The CSV imports take `text/csv`, which the generator does not know: sent as raw bytes; so are
        # Stratsys's tab-separated KPI file and the workbook its structure import also takes.
        content_type_overrides={
            "text/csv": "application/octet-stream",
            "text/tab-separated-values": "application/octet-stream",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "application/octet-stream",
        },
        use_path_prefixes_for_title_model_names=not title_names_models,
        post_hooks=[],  # no formatting of the generated code: only what it contains matters here
    )
    config = Config.from_sources(
        config_file, MetaType.NONE, document_source=document, file_encoding="utf-8", overwrite=True, output_path=tmp_path / "client"
    )
    problems = generate(config=config)
    assert [f"{problem.header}: {problem.detail}" for problem in problems] == []
    endpoint_modules = [module for module in (tmp_path / "client" / "api").rglob("*.py") if module.name != "__init__.py"]
    assert len(endpoint_modules) == len(operations(openapi))
