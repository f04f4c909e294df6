"""The Dockerfiles: hadolint finds nothing (not even style notes), each image is built the way the
issue asks (checked on the instructions, as no engine runs here), the build context carries what
the images copy and nothing secret, and the image's own commands start and probe the app."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.deploy.support import APP_IDS, APP_UID, APPS, ROOT, App, tool
from tools.stack import free_port

BASE_IMAGE = re.compile(r"^python:3\.11\.\d+-slim-(bookworm|trixie)$")
SECRET_WORDS = re.compile(r"PASSWORD|SECRET|TOKEN|PRIVATE|_KEY\b|KEYS?=|DATABASE_URL", re.IGNORECASE)


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        text = pending + stripped
        pending = ""
        keyword, _, arguments = text.partition(" ")
        result.append((keyword.upper(), arguments.strip()))
    assert not pending, f"{path}: dangling line continuation"
    return result


def stages(path: Path) -> list[list[tuple[str, str]]]:
    parsed: list[list[tuple[str, str]]] = []
    for keyword, arguments in instructions(path):
        if keyword == "FROM":
            parsed.append([])
        assert parsed, f"{path}: an instruction before FROM"
        parsed[-1].append((keyword, arguments))
    return parsed


def exec_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), arguments
    return value


def healthcheck_command(app: App) -> list[str]:
    (arguments,) = [a for k, a in instructions(app.dockerfile) if k == "HEALTHCHECK"]
    _options, _, command = arguments.partition("CMD ")
    return exec_form(command)


def final_cmd(app: App) -> list[str]:
    (arguments,) = [a for k, a in stages(app.dockerfile)[-1] if k == "CMD"]
    return exec_form(arguments)


def test_hadolint_finds_nothing_in_any_dockerfile() -> None:
    hadolint = tool("hadolint")
    files = [str(app.dockerfile) for app in APPS]
    result = subprocess.run(
        [hadolint, "--no-color", "--format", "json", "--failure-threshold", "info", *files], capture_output=True, text=True
    )
    findings = json.loads(result.stdout or "[]")
    assert findings == [] and result.returncode == 0, (
        "\n".join(f"{f['file']}:{f['line']} {f['code']} {f['message']}" for f in findings) or result.stderr
    )


def test_hadolint_does_flag_what_it_should(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install fastapi\nCMD uvicorn app:app\n", encoding="utf-8")
    result = subprocess.run([tool("hadolint"), "--no-color", "--format", "json", str(bad)], capture_output=True, text=True)
    codes = {finding["code"] for finding in json.loads(result.stdout)}
    assert {"DL3007", "DL3013", "DL3042", "DL3025"} <= codes and result.returncode != 0


@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_multi_stage_on_one_pinned_slim_python_311_base(app: App) -> None:
    parsed = stages(app.dockerfile)
    assert len(parsed) >= 2, "multi-stage: the runtime stage takes only the built environment"
    froms = [stage[0][1].split() for stage in parsed]
    images = {words[0] for words in froms}
    assert len(images) == 1, "both stages on the same base, so the copied environment fits"
    (image,) = images
    assert BASE_IMAGE.match(image), f"{image}: slim Python 3.11 pinned to a patch release"
    assert all(len(words) == 3 and words[1].upper() == "AS" for words in froms), "named stages"
    build_name = froms[0][2]
    copies = [a for k, a in parsed[-1] if k == "COPY"]
    assert copies == [f"--from={build_name} /opt/venv /opt/venv"]


@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_installs_from_the_repository_with_the_constraints_file(app: App) -> None:
    build = stages(app.dockerfile)[0]
    runs = [a for k, a in build if k == "RUN" and "pip install" in a]
    assert len(runs) == 1
    words = shlex.split(runs[0])
    assert words[:2] == ["pip", "install"]
    assert "--no-cache-dir" in words
    assert words[words.index("-c") + 1] == "constraints.txt"
    assert [w for w in words[2:] if w.startswith("./")] == ["./libs/common", f"./{app.directory}"]
    assert "-e" not in words and "--editable" not in words
    copies = [a.split() for k, a in build if k == "COPY"]
    assert ["constraints.txt", "./"] in copies
    assert ["libs/common/", "libs/common/"] in copies
    assert [f"{app.directory}/", f"{app.directory}/"] in copies


@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_runs_as_the_fixed_non_root_user(app: App) -> None:
    users = [a for k, a in stages(app.dockerfile)[-1] if k == "USER"]
    assert users[-1] == f"{APP_UID}:{APP_UID}", "numeric, so Kubernetes' runAsNonRoot can verify it"
    runs = " ".join(a for k, a in stages(app.dockerfile)[-1] if k == "RUN")
    assert f"--uid {APP_UID}" in runs and f"--gid {APP_UID}" in runs


@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_one_uvicorn_process_in_exec_form(app: App) -> None:
    cmd = final_cmd(app)
    assert cmd[:5] == ["python", "-m", "uvicorn", "--factory", f"{app.module}.main:create_app"]
    options = cmd[5:]
    pairs = {
        options[i]: options[i + 1] for i in range(len(options) - 1) if options[i].startswith("--") and not options[i + 1].startswith("--")
    }
    assert pairs["--host"] == "0.0.0.0" and pairs["--port"] == "8000"
    assert pairs["--loop"] == "uvloop" and pairs["--http"] == "httptools"
    assert not {"--workers", "--reload"} & set(options)
    assert not [k for k, _ in stages(app.dockerfile)[-1] if k == "ENTRYPOINT"]
    assert ("EXPOSE", "8000 9100") in stages(app.dockerfile)[-1]  # the API, and the metrics on a port of their own


@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_healthcheck_probes_livez_with_python(app: App) -> None:
    command = healthcheck_command(app)
    assert command[:2] == ["python", "-c"]
    assert "http://127.0.0.1:8000/livez" in command[2]


@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_nothing_secret_is_built_in(app: App) -> None:
    for keyword, arguments in instructions(app.dockerfile):
        if keyword in ("ENV", "ARG", "LABEL"):
            assert not SECRET_WORDS.search(arguments), f"{keyword} {arguments}"
        if keyword in ("COPY", "ADD"):
            assert not re.search(r"\.pem|\.env|\.data|keys", arguments), f"{keyword} {arguments}"
        assert keyword != "ADD", "COPY only"


# --- the build context ------------------------------------------------------------------------


def dockerignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    """.dockerignore as Docker reads it: the last matching pattern wins, `!` lets a path back in."""
    patterns = []
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex += "(?:.*/)?"
                i += 3
            elif pattern.startswith("**", i):
                regex += ".*"
                i += 2
            elif pattern[i] == "*":
                regex += "[^/]*"
                i += 1
            elif pattern[i] == "?":
                regex += "[^/]"
                i += 1
            elif pattern[i] == "[":
                end = pattern.index("]", i)
                regex += pattern[i : end + 1]
                i = end + 1
            else:
                regex += re.escape(pattern[i])
                i += 1
        patterns.append((negated, re.compile(regex + "$")))
    return patterns


def in_context(path: str) -> bool:
    """Docker's rule: patterns in order, each matching the path or a folder above it; the last wins."""
    parts = path.split("/")
    candidates = ["/".join(parts[:depth]) for depth in range(1, len(parts) + 1)]
    excluded = False
    for negated, regex in dockerignore_patterns():
        if any(regex.match(candidate) for candidate in candidates):
            excluded = not negated
    return not excluded


def test_the_build_context_holds_what_the_images_copy() -> None:
    for app in APPS:
        for path in (
            "constraints.txt",
            "libs/common/pyproject.toml",
            "libs/common/styrkedjan_common/app.py",
            f"{app.directory}/pyproject.toml",
        ):
            assert in_context(path), path
        package = ROOT / app.directory / app.module
        for source in package.rglob("*"):
            if source.is_file() and "__pycache__" not in source.parts:  # migrations' *.mako too
                assert in_context(source.relative_to(ROOT).as_posix()), source


@pytest.mark.parametrize(
    "path",
    [
        ".git/config",
        ".venv/bin/python",
        ".data/keys/assertion.pem",
        ".data/gateway.db",
        ".env",
        "deploy/compose/example.env",
        "keys/assertion.pem",
        "gateway/tests/test_proxy.py",
        "services/goals/tests/conftest.py",
        "tests/conftest.py",
        "gateway/styrkedjan_gateway.egg-info/PKG-INFO",
        "libs/common/styrkedjan_common/__pycache__/app.cpython-311.pyc",
        "services/goals/.env",
        "gateway/gateway/dev.pem",
        "bench/gateway_bench.py",
        "docker-compose.yml",
        "gateway/Dockerfile",
    ],
)
def test_the_build_context_leaves_out_secrets_tests_and_local_state(path: str) -> None:
    assert not in_context(path)


# --- the image's commands, run here -----------------------------------------------------------


def app_environment(app: App, tmp_path: Path) -> dict[str, str]:
    from styrkedjan_common.identity import generate_private_key_pem, public_key_pem

    private = generate_private_key_pem()
    env = {k: v for k, v in os.environ.items() if not k.startswith(tuple(f"{a.prefix}_" for a in APPS))}
    p = app.prefix
    env |= {f"{p}_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'app.db'}", f"{p}_ENVIRONMENT": "test", f"{p}_LOG_LEVEL": "INFO"}
    if app.is_gateway:
        # Unreachable upstreams: /livez must answer without them.
        env |= {
            f"{p}_ASSERTION_PRIVATE_KEY": private,
            f"{p}_DEV_ISSUER_ENABLED": "true",
            f"{p}_DEV_ISSUER_PRIVATE_KEY": generate_private_key_pem(),
        }
        env |= {f"GATEWAY_{s.prefix}_URL": "http://127.0.0.1:9" for s in APPS if not s.is_gateway}
    else:
        env[f"{p}_ASSERTION_PUBLIC_KEYS"] = public_key_pem(private)
    return env


def local(command: list[str], port: int) -> list[str]:
    """The image's command for this machine: its Python, loopback and a free port."""
    replaced = [sys.executable if command[0] == "python" else command[0], *command[1:]]
    replaced = ["127.0.0.1" if word == "0.0.0.0" else word for word in replaced]
    return [word.replace("8000", str(port)) if word == "8000" or ":8000/" in word else word for word in replaced]


@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_the_image_commands_migrate_start_and_pass_their_healthcheck(app: App, tmp_path: Path) -> None:
    env = app_environment(app, tmp_path)
    migrate = subprocess.run(
        [sys.executable, "-m", app.module, "migrate"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert migrate.returncode == 0, migrate.stderr
    port = free_port()
    process = subprocess.Popen(local(final_cmd(app), port), env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            check = subprocess.run(local(healthcheck_command(app), port), env=env, capture_output=True, timeout=10)
            if check.returncode == 0:
                break
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            assert time.monotonic() < deadline, "the healthcheck never passed"
            time.sleep(0.2)
    finally:
        process.terminate()
        try:
            output = process.communicate(timeout=25)[0].decode()
        except subprocess.TimeoutExpired:
            process.kill()
            output = process.communicate()[0].decode()
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal as its exit status.
    assert process.returncode in (0, -15), output
    assert "Application shutdown complete" in output, output


def test_healthcheck_fails_when_nothing_answers() -> None:
    command = local(healthcheck_command(APPS[0]), free_port())
    assert subprocess.run(command, capture_output=True, timeout=10).returncode != 0
