"""Every environment variable an app reads (its settings class: env prefix + field name) is in the
README's configuration table with its real default and secrecy, and is set in docker-compose.yml
and in every Kubernetes overlay, unless it is left to the app's default on purpose (listed here
and in deploy/README.md). Names set there that no app reads are refused as well: a misspelt
variable would otherwise be ignored silently (the settings use extra="ignore")."""

from __future__ import annotations

import json
import re
from enum import Enum
from typing import Any

import pytest
from pydantic import SecretStr

from tests.deploy.support import (
    APP_IDS,
    APPS,
    COMPOSE_FILE,
    DEPLOY_README,
    OVERLAYS,
    README,
    SERVICES,
    App,
    container_env_names,
    env_vars,
    find,
    load_yaml,
    render,
)

_DEV_ISSUER_OFF = "the development issuer is off"
_FILE_INSTEAD = "given as a file (the _FILE variant) from a mounted secret or config"
_SMTP_OFF = "reminders by e-mail are off until an operator names an SMTP server, and with it the password from a secret"
_TRACING_OFF = "tracing is off until an operator names an OpenTelemetry collector"
_TRACING = {f"{a.prefix}_OTLP_TRACES_ENDPOINT": _TRACING_OFF for a in APPS}
_FOLDER_INSTEAD = "given as a folder of <service>.pem files (the _DIR variant) from a mounted config"
# The keys every deployment gives as files: the services' own keys and the services' public keys.
_KEY_FILES = {
    **{f"{s.prefix}_SERVICE_PRIVATE_KEY": _FILE_INSTEAD for s in SERVICES},
    **{f"{a.prefix}_SERVICE_PUBLIC_KEYS": _FOLDER_INSTEAD for a in APPS},
}
# Left to the app's default on purpose, per deployment, with the reason.
DELIBERATELY_DEFAULTED: dict[str, dict[str, str]] = {
    "compose": {
        "GATEWAY_ASSERTION_PRIVATE_KEY": _FILE_INSTEAD,
        "GATEWAY_OIDC_JWKS": "compose takes the identity provider's JWKS by URL",
        "GATEWAY_DEV_ISSUER_PRIVATE_KEY": _DEV_ISSUER_OFF,
        "GATEWAY_DEV_ISSUER_PRIVATE_KEY_FILE": _DEV_ISSUER_OFF,
        "GATEWAY_DEV_ISSUER_NAME": _DEV_ISSUER_OFF,
        "GATEWAY_DEV_TOKEN_TTL_SECONDS": _DEV_ISSUER_OFF,
        **{f"{s.prefix}_ASSERTION_PUBLIC_KEYS": _FILE_INSTEAD for s in SERVICES},
        **_KEY_FILES,
        "FOLLOWUP_SMTP_PASSWORD": _SMTP_OFF,
        **_TRACING,
    },
    "production": {
        "GATEWAY_ASSERTION_PRIVATE_KEY": _FILE_INSTEAD,
        "GATEWAY_DEV_ISSUER_PRIVATE_KEY": _DEV_ISSUER_OFF,
        "GATEWAY_DEV_ISSUER_PRIVATE_KEY_FILE": _DEV_ISSUER_OFF,
        "GATEWAY_DEV_ISSUER_NAME": _DEV_ISSUER_OFF,
        "GATEWAY_DEV_TOKEN_TTL_SECONDS": _DEV_ISSUER_OFF,
        **{f"{s.prefix}_ASSERTION_PUBLIC_KEYS": _FILE_INSTEAD for s in SERVICES},
        **_KEY_FILES,
        "FOLLOWUP_SMTP_PASSWORD": _SMTP_OFF,
        **_TRACING,
    },
    "development": {
        "GATEWAY_ASSERTION_PRIVATE_KEY": _FILE_INSTEAD,
        "GATEWAY_DEV_ISSUER_PRIVATE_KEY": _FILE_INSTEAD,
        **{f"{s.prefix}_ASSERTION_PUBLIC_KEYS": _FILE_INSTEAD for s in SERVICES},
        **_KEY_FILES,
        "FOLLOWUP_SMTP_PASSWORD": _SMTP_OFF,
        **_TRACING,
    },
}


# --- the README's configuration table ---------------------------------------------------------


def configuration_rows() -> list[tuple[str, str, str]]:
    """(variable pattern, default cell, secret cell) of every row of the table under ## Configuration."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        names = re.findall(r"`([^`]+)`", cells[0])
        assert len(names) == 1, f"one variable per row: {line}"
        rows.append((names[0], cells[1], cells[2]))
    assert rows, "the configuration table was not found"
    return rows


def expand(pattern: str) -> list[tuple[App, str]]:
    if pattern.startswith("<APP>_"):
        return [(app, f"{app.prefix}_{pattern.removeprefix('<APP>_')}") for app in APPS]
    if pattern.startswith("<SERVICE>_"):
        return [(app, f"{app.prefix}_{pattern.removeprefix('<SERVICE>_')}") for app in SERVICES]
    owners = [app for app in APPS if pattern.startswith(f"{app.prefix}_") and pattern in env_vars(app)]
    assert len(owners) == 1, f"{pattern}: no app reads it"
    return [(owners[0], pattern)]


def documented() -> dict[str, tuple[App, str, str]]:
    """Every concrete variable in the table → (app, default cell with <app> filled in, secret cell)."""
    table: dict[str, tuple[App, str, str]] = {}
    for pattern, default, secret in configuration_rows():
        for app, name in expand(pattern):
            assert name not in table, f"{name} documented twice"
            table[name] = (app, default.replace("<app>", app.database), secret)
    return table


def rendered_default(value: Any) -> str | None:
    """A default as an operator would write it in the environment."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def same_default(documented_cell: str, actual: Any) -> bool:
    expected = rendered_default(actual)
    if expected is None:
        return documented_cell.startswith("–")
    match = re.match(r"`([^`]*)`", documented_cell)
    if not match:
        return False
    written = match.group(1)
    if isinstance(actual, (int, float)) and not isinstance(actual, bool):
        try:
            return float(written) == float(actual)
        except ValueError:
            return False
    return written == expected


def is_secret(name: str, field: Any) -> bool:
    annotation = field.annotation
    return SecretStr in getattr(annotation, "__args__", (annotation,)) or name.endswith("_DATABASE_URL")


@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_every_variable_an_app_reads_is_in_the_readme_table(app: App) -> None:
    table = documented()
    missing = sorted(set(env_vars(app)) - set(table))
    assert missing == [], f"add to README.md, Configuration: {missing}"


def test_the_readme_table_documents_no_variable_that_no_app_reads() -> None:
    read = {name for app in APPS for name in env_vars(app)}
    assert sorted(set(documented()) - read) == []


@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_the_readme_table_gives_each_variables_real_default_and_secrecy(app: App) -> None:
    table = documented()
    for name, field in env_vars(app).items():
        _owner, default_cell, secret_cell = table[name]
        assert same_default(default_cell, field.default), f"{name}: README says {default_cell!r}, the default is {field.default!r}"
        expected = "yes" if is_secret(name, field) else "no"
        assert secret_cell.split()[0] == expected, f"{name}: secret column says {secret_cell!r}, expected {expected}"


def test_the_table_tells_the_parser_rules() -> None:
    readme = README.read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    assert "JSON" in section, "lists such as GATEWAY_OIDC_ALGORITHMS are read as JSON"


# --- compose and the manifests ----------------------------------------------------------------


def test_deliberate_defaults_are_variables_the_apps_read_and_are_documented() -> None:
    read = {name for app in APPS for name in env_vars(app)}
    readme = DEPLOY_README.read_text(encoding="utf-8")
    for target, names in DELIBERATELY_DEFAULTED.items():
        assert set(names) <= read, target
        for name in names:
            assert f"`{name}`" in readme, f"deploy/README.md must list {name} as left to its default ({target})"


def check_coverage(target: str, where: str, app: App, names: set[str]) -> None:
    read = set(env_vars(app))
    deliberate = {n for n in DELIBERATELY_DEFAULTED[target] if n in read}
    unknown = sorted(names - read)
    assert unknown == [], f"{where} sets variables {app.name} does not read: {unknown}"
    missing = sorted(read - names - deliberate)
    assert missing == [], f"{where} leaves unset: {missing}"
    stale = sorted(deliberate & names)
    assert stale == [], f"{where} sets variables listed as deliberately defaulted: {stale}"


@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_compose_sets_every_variable_of_each_app_and_its_migration(app: App) -> None:
    compose = load_yaml(COMPOSE_FILE)
    for service in (app.name, f"{app.name}-migrate"):
        check_coverage("compose", f"docker-compose.yml service {service}", app, set(compose["services"][service]["environment"]))


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_manifests_set_every_variable_of_each_app_and_its_migration(overlay: str, app: App) -> None:
    docs = render(overlay)
    for kind, name in (("Deployment", app.name), ("Job", f"{app.name}-migrate")):
        (container,) = find(docs, kind, name)["spec"]["template"]["spec"]["containers"]
        check_coverage(overlay, f"{overlay} {kind}/{name}", app, container_env_names(container, docs))


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_secret_variables_come_from_secrets_in_the_manifests(overlay: str, app: App) -> None:
    docs = render(overlay)
    (container,) = find(docs, "Deployment", app.name)["spec"]["template"]["spec"]["containers"]
    by_name = {item["name"]: item for item in container["env"]}
    for name, field in env_vars(app).items():
        if is_secret(name, field) and name not in DELIBERATELY_DEFAULTED[overlay]:
            assert "secretKeyRef" in by_name[name].get("valueFrom", {}), f"{name} must come from a Secret"


def test_secret_variables_are_interpolated_in_compose_never_written() -> None:
    compose = load_yaml(COMPOSE_FILE)
    for app in APPS:
        env = compose["services"][app.name]["environment"]
        for name, field in env_vars(app).items():
            if is_secret(name, field) and name in env:
                assert re.search(r"\$\{[A-Z_]+:\?", env[name]), f"{name} must take its secret part from a required variable"
