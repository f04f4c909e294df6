"""Schemathesis on the merged OpenAPI document, through the real gateway, as the council and as the administrator.

Every operation the gateway publishes is called with inputs derived from its own declaration: its
examples, the coverage phase's boundary and invalid values (missing and wrong-typed fields,
out-of-range numbers, strings past their bounds, undeclared methods), and a few generated cases,
valid and invalid, with hostile values mixed in (tests/schemathesis.toml: integers past the
database's, NUL characters). Whatever the input, the answer must not be a server error, and it must be what
the document promises: a declared status code, a declared content type, a body valid against the
declared schema.

The calls create, change and delete data, so they go to a system of their own (`own_system`), not
the session's shared one. The run is bounded for CI: a fixed seed with deterministic generation (the
same cases every run, so a failure reproduces), a few generated cases per operation, no shrinking,
one worker; two to three minutes per caller. Schemathesis runs as its command line does (its
pytest integration does not support this pytest), and a failure lists each failing operation with
the check and the status, followed by schemathesis' own report with a curl command per failure.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SEED = 20260101
# Generated cases per operation, beside its examples and the coverage phase's cases.
MAX_EXAMPLES = 10
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance")
# The two callers with the widest reach: the council decides for the whole municipality and the
# administrator manages the directory; between them they may call nearly every operation.
SUBJECTS = ("kf.demo", "admin.demo")
RUN_TIMEOUT_SECONDS = 900
CONFIG = Path(__file__).with_name("schemathesis.toml")


def schemathesis_command(gateway_url: str, token: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        f"{gateway_url}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing",
        "--mode",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-deterministic",
        "--no-shrink",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        # Health checks judge generation speed and data size: noise for a bounded, fixed-seed run.
        "--suppress-health-check",
        "all",
        "--continue-on-failure",
        "--no-color",
    ]


def failures(report: str) -> list[str]:
    """`METHOD /path: check (status)` for each failure in schemathesis' text report."""
    found: list[str] = []
    operation, checks = "", []
    for line in (line.strip() for line in report.splitlines()):
        if header := re.fullmatch(r"_+ (\S+ \S+) _+", line):
            operation = header[1]
        elif failed := re.fullmatch(r"- (\S.*)", line):
            checks.append(failed[1])
        elif checks and (status := re.fullmatch(r"\[(\d{3})\].*", line)):
            found.append(f"{operation}: {', '.join(checks)} ({status[1]})")
            checks = []
    return found


@pytest.mark.parametrize("subject", SUBJECTS)
def test_every_operation_answers_as_documented(own_system: Any, subject: str, tmp_path: Path) -> None:
    command = schemathesis_command(own_system.gateway_url, own_system.tokens[subject])
    # Run in a folder of its own: schemathesis may leave files where it runs.
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=RUN_TIMEOUT_SECONDS)
    listed = "\n".join(failures(result.stdout))
    assert result.returncode == 0, f"schemathesis as {subject} failed:\n{listed}\n\n{result.stdout}\n{result.stderr}"
