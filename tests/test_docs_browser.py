"""The API docs as a person opens them: the system's Chromium, headless and able to reach nothing
but this machine, opens the gateway's /docs, sees the operations listed and has one "Try it out"
call answered (tests/consumers/docs-in-a-browser.mjs, with playwright-core). .ci/run installs
Chromium from the system's packages, as it does PostgreSQL."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

CONSUMERS = Path(__file__).parent / "consumers"
CHROMIUM = shutil.which("chromium")

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)"),
    pytest.mark.skipif(not (CONSUMERS / "node_modules" / "playwright-core").is_dir(), reason="`make test` installs playwright-core"),
]


def test_the_docs_list_the_operations_and_answer_a_try_it_out_call_on_a_closed_network(system: Any) -> None:
    opened = subprocess.run(
        ["node", "docs-in-a-browser.mjs", system.gateway_url, str(CHROMIUM)],
        cwd=CONSUMERS,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert opened.returncode == 0, opened.stdout + opened.stderr
