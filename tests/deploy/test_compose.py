"""docker-compose.yml: valid by the Compose specification, wired as the README says, and strict
about what its operator must supply. No container engine is needed: the file is read as data."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.support import (
    APP_IDS,
    APPS,
    COMPOSE_FILE,
    COMPOSE_SCHEMA,
    INIT_SCRIPT,
    ROOT,
    SERVICES,
    App,
    InterpolationError,
    interpolate,
    load_yaml,
    python_module,
    required_compose_variables,
)

# What an operator must give, and nothing else is required (deploy/compose/example.env lists them).
REQUIRED = {
    "POSTGRES_PASSWORD",
    "DB_PASSWORD_GATEWAY",
    "DB_PASSWORD_GOALS",
    "DB_PASSWORD_BUDGET",
    "DB_PASSWORD_FOLLOWUP",
    "DB_PASSWORD_INTERNAL_CONTROL",
    "ASSERTION_PRIVATE_KEY_FILE",
    "ASSERTION_PUBLIC_KEYS_FILE",
    "SERVICE_KEY_FILE_GOALS",
    "SERVICE_KEY_FILE_BUDGET",
    "SERVICE_KEY_FILE_FOLLOWUP",
    "SERVICE_KEY_FILE_INTERNAL_CONTROL",
    "SERVICE_PUBLIC_KEYS_DIR",
    "GATEWAY_OIDC_ISSUER",
    "GATEWAY_OIDC_AUDIENCE",
    "GATEWAY_OIDC_JWKS_URL",
}
EXAMPLE_ENV = ROOT / "deploy" / "compose" / "example.env"


def sample_environment() -> dict[str, str]:
    """A complete operator environment, with passwords that cannot be confused with each other."""
    env = {name: f"value-of-{name.lower()}" for name in REQUIRED}
    env |= {f"DB_PASSWORD_{app.prefix}": f"pw{i}x{app.database}" for i, app in enumerate(APPS)}
    env |= {
        "ASSERTION_PRIVATE_KEY_FILE": "./keys/assertion.pem",
        "ASSERTION_PUBLIC_KEYS_FILE": "./keys/assertion.pub.pem",
        "SERVICE_PUBLIC_KEYS_DIR": "./keys/service-public",
        **{f"SERVICE_KEY_FILE_{s.prefix}": f"./keys/services/{s.name}.pem" for s in SERVICES},
        "GATEWAY_OIDC_ISSUER": "https://idp.example.org/realms/kommun",
        "GATEWAY_OIDC_AUDIENCE": "styrkedjan",
        "GATEWAY_OIDC_JWKS_URL": "https://idp.example.org/realms/kommun/protocol/openid-connect/certs",
    }
    return env


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return load_yaml(COMPOSE_FILE)


@pytest.fixture(scope="module")
def compose(raw: dict[str, Any]) -> dict[str, Any]:
    return interpolate(raw, sample_environment())


def validator() -> Any:
    jsonschema = python_module("jsonschema")
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def schema_errors(document: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator().iter_errors(document)]


def test_the_vendored_schema_is_the_compose_specification() -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    assert schema["title"] == "Compose Specification"
    assert {"services", "networks", "volumes", "secrets", "configs"} <= schema["properties"].keys()
    assert (COMPOSE_SCHEMA.parent / "README.md").is_file(), "say where the vendored schema comes from"


def test_compose_file_validates_against_the_compose_specification(raw: dict[str, Any]) -> None:
    assert schema_errors(raw) == []


def test_compose_file_validates_after_interpolation(compose: dict[str, Any]) -> None:
    assert schema_errors(compose) == []


def test_the_schema_check_rejects_what_compose_would_reject(raw: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(raw))
    broken["services"]["goals"]["depends_on"]["goals-migrate"]["condition"] = "service_finished"
    broken["services"]["gateway"]["helthcheck"] = broken["services"]["gateway"].pop("healthcheck")
    errors = schema_errors(broken)
    assert any("service_finished" in e or "depends_on" in e for e in errors), errors
    assert any("helthcheck" in e for e in errors), errors


def _compose_cli() -> list[str] | None:
    """The real Compose (v2, `docker compose`) where this machine has it."""
    docker = shutil.which("docker")
    if docker is None:
        return None
    found = subprocess.run([docker, "compose", "version", "--short"], capture_output=True, text=True, check=False)
    return [docker, "compose"] if found.returncode == 0 else None


def test_the_real_compose_accepts_the_file_where_it_is_installed(tmp_path: Path) -> None:
    # The schema check above runs everywhere; this one only where Compose is (deploy/README.md
    # names the version the file needs).
    compose = _compose_cli()
    if compose is None:
        pytest.skip("Docker Compose v2 (docker compose) is not installed here")
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in sample_environment().items()))
    checked = subprocess.run(
        [*compose, "--project-directory", str(ROOT), "--env-file", str(env_file), "-f", str(COMPOSE_FILE), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


def test_exactly_the_documented_variables_are_required() -> None:
    assert required_compose_variables(COMPOSE_FILE.read_text(encoding="utf-8")) == REQUIRED


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_an_unset_required_variable_fails_fast_with_its_name(raw: dict[str, Any], missing: str) -> None:
    for environ in ({k: v for k, v in sample_environment().items() if k != missing}, sample_environment() | {missing: ""}):
        with pytest.raises(InterpolationError, match=missing):
            interpolate(raw, environ)


def test_the_example_environment_names_every_required_variable_without_a_value() -> None:
    lines = [line for line in EXAMPLE_ENV.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assigned = dict(line.split("=", 1) for line in lines)
    assert assigned.keys() >= REQUIRED
    secret_like = [k for k in assigned if "PASSWORD" in k]
    assert secret_like and all(assigned[k] == "" for k in secret_like), "the example must not carry passwords"


def test_only_the_gateway_publishes_a_port(compose: dict[str, Any]) -> None:
    published = {name for name, service in compose["services"].items() if service.get("ports")}
    assert published == {"gateway"}
    for service in compose["services"].values():
        assert "network_mode" not in service


def test_services_and_database_are_on_the_internal_network_only(compose: dict[str, Any]) -> None:
    assert compose["networks"]["backend"].get("internal") is True
    assert not compose["networks"]["edge"].get("internal")
    for name, service in compose["services"].items():
        expected = ["edge", "backend"] if name == "gateway" else ["backend"]
        assert sorted(service["networks"]) == sorted(expected), name


@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_each_app_waits_for_its_one_shot_migration(compose: dict[str, Any], app: App) -> None:
    service = compose["services"][app.name]
    migrate = compose["services"][f"{app.name}-migrate"]
    assert service["depends_on"][f"{app.name}-migrate"] == {"condition": "service_completed_successfully"}
    assert migrate["command"] == ["python", "-m", app.module, "migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert migrate["image"] == service["image"] and migrate["build"] == service["build"]
    assert migrate["environment"] == service["environment"], "the migration validates the app's own settings"
    assert migrate.get("configs") == service.get("configs") and migrate.get("secrets") == service.get("secrets")


@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_each_app_is_built_from_its_own_dockerfile_with_the_repository_as_context(compose: dict[str, Any], app: App) -> None:
    build = compose["services"][app.name]["build"]
    assert build == {"context": ".", "dockerfile": f"{app.directory}/Dockerfile"}
    assert (ROOT / build["dockerfile"]).is_file()
    assert compose["services"][app.name]["image"].endswith(f"/{app.name}:dev")


def test_gateway_waits_for_healthy_services_and_everything_has_a_healthcheck(compose: dict[str, Any]) -> None:
    depends = compose["services"]["gateway"]["depends_on"]
    for service in SERVICES:
        assert depends[service.name] == {"condition": "service_healthy"}
    for app in APPS:
        check = compose["services"][app.name]["healthcheck"]["test"]
        assert check[0] == "CMD" and "/readyz" in check[-1]
    assert compose["services"]["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]


def test_app_containers_are_hardened(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if name == "postgres":
            continue
        assert service["read_only"] is True, name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert "/tmp" in service["tmpfs"], name
        assert "user" not in service, f"{name}: the image's own non-root user applies"


def database_url(compose: dict[str, Any], app: App) -> Any:
    from sqlalchemy.engine import make_url

    return make_url(compose["services"][app.name]["environment"][f"{app.prefix}_DATABASE_URL"])


@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_each_app_uses_its_own_database_and_role_with_its_own_password(compose: dict[str, Any], app: App) -> None:
    url = database_url(compose, app)
    assert url.drivername == "postgresql+asyncpg"
    assert (url.host, url.port) == ("postgres", 5432)
    assert url.username == url.database == f"styrkedjan_{app.database}"
    assert url.password == sample_environment()[f"DB_PASSWORD_{app.prefix}"]


def test_the_database_init_script_gets_one_password_secret_per_app(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    mounts = postgres["volumes"]
    assert any(m.startswith("./deploy/postgres/create-databases.sh:/docker-entrypoint-initdb.d/") and m.endswith(":ro") for m in mounts)
    assert INIT_SCRIPT.stat().st_mode & 0o111, "the postgres image runs an executable init script"
    script = INIT_SCRIPT.read_text(encoding="utf-8")
    assert 'apps="${STYRKEDJAN_DATABASES:-' + " ".join(app.database for app in APPS) + '}"' in script
    assert 'prefix="${STYRKEDJAN_DB_PREFIX:-styrkedjan_}"' in script
    assert sorted(postgres["secrets"]) == sorted(f"{app.database}_db_password" for app in APPS)
    for app in APPS:
        # The same variable feeds the app's URL and the password the script sets for its role.
        assert compose["secrets"][f"{app.database}_db_password"] == {"environment": f"DB_PASSWORD_{app.prefix}"}
    assert "ports" not in postgres


SERVICE_PUBLIC_KEYS_FOLDER = "/etc/styrkedjan/service-public-keys"


def service_secret(service: App) -> str:
    return f"{service.database}_service_key"


def test_keys_come_from_files_named_by_the_operator(raw: dict[str, Any], compose: dict[str, Any]) -> None:
    assert raw["secrets"]["assertion_private_key"]["file"].startswith("${ASSERTION_PRIVATE_KEY_FILE:?")
    assert raw["configs"]["assertion_public_keys"]["file"].startswith("${ASSERTION_PUBLIC_KEYS_FILE:?")
    gateway = compose["services"]["gateway"]
    assert gateway["secrets"] == ["assertion_private_key"]
    assert gateway["environment"]["GATEWAY_ASSERTION_PRIVATE_KEY_FILE"] == "/run/secrets/assertion_private_key"
    for service in SERVICES:
        configs = {c["source"]: c["target"] for c in compose["services"][service.name]["configs"]}
        env = compose["services"][service.name]["environment"]
        assert env[f"{service.prefix}_ASSERTION_PUBLIC_KEYS_FILE"] == configs["assertion_public_keys"]
        # A service holds its own key and no other: never the gateway's, never another service's.
        assert compose["services"][service.name]["secrets"] == [service_secret(service)]
        assert env[f"{service.prefix}_SERVICE_PRIVATE_KEY_FILE"] == f"/run/secrets/{service_secret(service)}"


@pytest.mark.parametrize("service", SERVICES, ids=[s.name for s in SERVICES])
def test_each_service_key_comes_from_its_own_file_and_its_public_keys_from_the_folder(raw: dict[str, Any], service: App) -> None:
    assert raw["secrets"][service_secret(service)]["file"].startswith(f"${{SERVICE_KEY_FILE_{service.prefix}:?")
    public = raw["configs"][f"{service.database}_service_public_keys"]["file"]
    assert public.startswith("${SERVICE_PUBLIC_KEYS_DIR:?") and public.endswith(f"}}/{service.name}.pem")


@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_every_app_reads_the_folder_of_every_services_public_keys(compose: dict[str, Any], app: App) -> None:
    """The folder holds `<service>.pem` for each service: what the app reads from it names the caller."""
    service = compose["services"][app.name]
    assert service["environment"][f"{app.prefix}_SERVICE_PUBLIC_KEYS_DIR"] == SERVICE_PUBLIC_KEYS_FOLDER
    targets = {c["target"]: c["source"] for c in service["configs"] if c["target"].startswith(SERVICE_PUBLIC_KEYS_FOLDER + "/")}
    assert targets == {f"{SERVICE_PUBLIC_KEYS_FOLDER}/{s.name}.pem": f"{s.database}_service_public_keys" for s in SERVICES}


def test_the_followup_service_reads_the_three_others_by_their_compose_names(compose: dict[str, Any]) -> None:
    env = compose["services"]["followup"]["environment"]
    for callee in SERVICES:
        if callee.name != "followup":
            assert env[f"FOLLOWUP_{callee.prefix}_URL"] == f"http://{callee.name}:8000"
            assert compose["services"][callee.name]["networks"] == ["backend"]


def test_services_read_the_directory_at_the_gateway_on_the_internal_network(compose: dict[str, Any]) -> None:
    for service in SERVICES:
        env = compose["services"][service.name]["environment"]
        assert env[f"{service.prefix}_DIRECTORY_URL"] == "http://gateway:8000"
        assert float(env[f"{service.prefix}_DIRECTORY_SYNC_INTERVAL_SECONDS"]) > 0
    assert "backend" in compose["services"]["gateway"]["networks"]


def test_gateway_reaches_each_service_by_its_compose_name(compose: dict[str, Any]) -> None:
    env = compose["services"]["gateway"]["environment"]
    for service in SERVICES:
        assert env[f"GATEWAY_{service.prefix}_URL"] == f"http://{service.name}:8000"
    assert env["GATEWAY_DEV_ISSUER_ENABLED"] == "false"
    assert env["GATEWAY_ENVIRONMENT"] == "production"
