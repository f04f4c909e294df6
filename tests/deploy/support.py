"""What the deployment tests share: the apps, their settings, the tools, the rendered material.

The tools (kubectl with its Kustomize, hadolint, shellcheck) are pinned wheels from
tests/deploy/requirements.txt, so `make test` always has them. Run outside that environment a
missing tool skips its tests with the reason, except in CI (CI=true), where it is a failure.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE_SCHEMA = ROOT / "deploy" / "schemas" / "compose-spec.json"
KUSTOMIZE_BASE = ROOT / "deploy" / "kubernetes" / "base"
OVERLAYS = ("development", "production")
README = ROOT / "README.md"
DEPLOY_README = ROOT / "deploy" / "README.md"
INIT_SCRIPT = ROOT / "deploy" / "postgres" / "create-databases.sh"
# The oldest Kubernetes the manifests are meant for and the newest the bundled schemas know.
KUBERNETES_VERSIONS = ("1.29.0", "1.37.0")
APP_UID = 10001


@dataclass(frozen=True)
class App:
    name: str  # compose service, Kubernetes name, image name
    module: str  # Python package: `python -m <module> migrate`, `<module>.main:create_app`
    prefix: str  # settings env prefix without the underscore
    directory: str  # source folder holding its Dockerfile
    database: str  # suffix of its database and role: styrkedjan_<database>
    settings_path: str  # "module:Class"

    @property
    def dockerfile(self) -> Path:
        return ROOT / self.directory / "Dockerfile"

    @property
    def is_gateway(self) -> bool:
        return self.name == "gateway"


APPS = (
    App("gateway", "gateway", "GATEWAY", "gateway", "gateway", "gateway.settings:GatewaySettings"),
    App("goals", "goals_service", "GOALS", "services/goals", "goals", "goals_service.settings:GoalsSettings"),
    App("budget", "budget_service", "BUDGET", "services/budget", "budget", "budget_service.settings:BudgetSettings"),
    App("followup", "followup_service", "FOLLOWUP", "services/followup", "followup", "followup_service.settings:FollowupSettings"),
    App(
        "internal-control",
        "internal_control_service",
        "INTERNAL_CONTROL",
        "services/internal_control",
        "internal_control",
        "internal_control_service.settings:InternalControlSettings",
    ),
)
SERVICES = tuple(app for app in APPS if not app.is_gateway)
APP_IDS = [app.name for app in APPS]


def settings_class(app: App) -> Any:
    import importlib

    module, name = app.settings_path.split(":")
    return getattr(importlib.import_module(module), name)


def env_vars(app: App) -> dict[str, Any]:
    """Every variable the app reads, as pydantic-settings names it, with its field."""
    cls = settings_class(app)
    prefix = cls.model_config.get("env_prefix", "")
    assert prefix == f"{app.prefix}_", f"{app.name}: settings prefix {prefix!r} is not {app.prefix}_"
    assert not cls.model_config.get("case_sensitive", False)
    assert not cls.model_config.get("env_nested_delimiter")
    fields = {}
    for name, field in cls.model_fields.items():
        assert field.alias is None and field.validation_alias is None, f"{app.name}.{name} has an alias; teach this test about it"
        fields[f"{prefix}{name}".upper()] = field
    return fields


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def tool(name: str) -> str:
    """The pinned tool from this environment; skipped locally, a failure in CI, when missing."""
    candidate = Path(sys.executable).parent / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    message = f"{name} is not installed in this environment (make install brings it, from tests/deploy/requirements.txt)"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def python_module(name: str) -> Any:
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        message = f"the Python package {name} is not installed (make install brings it, from tests/deploy/requirements.txt)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


def load_yaml(path: Path) -> Any:
    yaml = python_module("yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@functools.cache
def _render(overlay: str, kubectl: str) -> str:
    result = subprocess.run(
        [kubectl, "kustomize", str(ROOT / "deploy" / "kubernetes" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"kustomize build of {overlay} failed:\n{result.stderr}"
    return result.stdout


def render(overlay: str) -> list[dict[str, Any]]:
    """The overlay as kubectl would apply it: `kubectl kustomize deploy/kubernetes/overlays/<overlay>`."""
    yaml = python_module("yaml")
    return [doc for doc in yaml.safe_load_all(_render(overlay, tool("kubectl"))) if doc]


def find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def container_env_names(container: dict[str, Any], docs: list[dict[str, Any]]) -> set[str]:
    """Names a container gets: its env list and every key of the ConfigMaps it takes with envFrom.

    A Secret taken whole with envFrom would hide its keys; the manifests never do that (checked).
    """
    names = {item["name"] for item in container.get("env", [])}
    for source in container.get("envFrom", []):
        assert "secretRef" not in source, "a Secret given with envFrom hides which variables it sets"
        config_map = find(docs, "ConfigMap", source["configMapRef"]["name"])
        names |= set(config_map.get("data", {}))
    return names


# ---------------------------------------------------------------------------------------------
# Compose variable interpolation, as the Compose specification defines it
# (${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt},
# ${VAR+alt}, $VAR and $$ for a literal $). Enough to check what the file asks of its operator.


class InterpolationError(Exception):
    pass


_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


def interpolate_string(value: str, environ: dict[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["named"]
        op, arg = match["op"], match["arg"] or ""
        present = name in environ
        nonempty = present and environ[name] != ""
        if op in (":-", "-"):
            use_default = not nonempty if op == ":-" else not present
            return arg if use_default else environ[name]
        if op in (":?", "?"):
            missing = not nonempty if op == ":?" else not present
            if missing:
                raise InterpolationError(f"required variable {name} is missing a value: {arg}")
            return environ[name]
        if op in (":+", "+"):
            applies = nonempty if op == ":+" else present
            return arg if applies else ""
        return environ.get(name, "")

    return _INTERPOLATION.sub(substitute, value)


def interpolate(node: Any, environ: dict[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate_string(node, environ)
    if isinstance(node, list):
        return [interpolate(item, environ) for item in node]
    if isinstance(node, dict):
        return {key: interpolate(value, environ) for key, value in node.items()}
    return node


def required_compose_variables(text: str) -> set[str]:
    """Variables the file requires (${VAR:?...} or ${VAR?...}), comments aside."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return {m["braced"] for m in _INTERPOLATION.finditer(code) if m["op"] in (":?", "?")}
