"""The merged OpenAPI document as its consumers use it: Redocly's linter with its recommended rules
finds no error, openapi-typescript generates types from it, and a small frontend's calls
(tests/consumers/consumer.ts, with openapi-fetch) compile against them under `tsc --strict`. The npm
packages, pinned in tests/consumers/package.json, are installed by `make test`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

CONSUMERS = Path(__file__).parent / "consumers"
BIN = CONSUMERS / "node_modules" / ".bin"

pytestmark = pytest.mark.skipif(not BIN.is_dir(), reason="the consumers' npm packages are not installed: `make test` installs them")


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=CONSUMERS, capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture(scope="module")
def document(openapi: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    path.write_text(json.dumps(openapi))
    return path


def test_redocly_finds_no_error_with_its_recommended_rules(document: Path) -> None:
    linted = run(str(BIN / "redocly"), "lint", str(document), "--extends", "recommended", "--format", "stylish")
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_a_typescript_frontend_compiles_against_the_generated_types(document: Path) -> None:
    # Properties with a default are optional in a request (the API fills them in): the generator
    # is told so, as a frontend team's build would be (the README's section for frontend teams).
    generated = run(str(BIN / "openapi-typescript"), str(document), "-o", "generated/schema.d.ts", "--default-non-nullable=false")
    assert generated.returncode == 0, generated.stdout + generated.stderr
    compiled = run(str(BIN / "tsc"), "-p", "tsconfig.json")
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
