"""deploy/kubernetes: each overlay renders with Kustomize (the pinned kubectl's), every object
validates against the Kubernetes JSON schemas (strict: unknown fields are errors), and the
rendered objects are wired as deploy/README.md says."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.deploy.support import (
    APP_IDS,
    APP_UID,
    APPS,
    DEPLOY_README,
    KUBERNETES_VERSIONS,
    OVERLAYS,
    SERVICES,
    App,
    find,
    python_module,
    render,
)

GATEWAY_LABELS = {"app.kubernetes.io/name": "gateway", "app.kubernetes.io/component": "gateway"}


def validate(document: dict[str, Any], version: str) -> None:
    kubernetes_validate = python_module("kubernetes_validate")
    kubernetes_validate.validate(document, version, strict=True)


def labels_match(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, "only matchLabels selectors are evaluated here"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def pod_template(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return find(docs, kind, name)["spec"]["template"]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_and_every_object_validates_against_the_kubernetes_schema(overlay: str, version: str) -> None:
    docs = render(overlay)
    failures = []
    for doc in docs:
        try:
            validate(doc, version)
        except Exception as exc:  # collect every failure with its object
            failures.append(f"{doc['kind']}/{doc['metadata']['name']}: {getattr(exc, 'message', exc)}")
    assert failures == []


def test_the_schema_check_rejects_an_unknown_field_and_a_wrong_type() -> None:
    deployment = copy.deepcopy(find(render("production"), "Deployment", "goals"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    jsonschema = python_module("jsonschema")
    with pytest.raises(jsonschema.ValidationError):
        validate(deployment, KUBERNETES_VERSIONS[-1])
    deployment = copy.deepcopy(find(render("production"), "Deployment", "goals"))
    deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "eight thousand"
    with pytest.raises(jsonschema.ValidationError):
        validate(deployment, KUBERNETES_VERSIONS[-1])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_app_has_a_deployment_service_autoscaler_and_migration_job(overlay: str) -> None:
    docs = render(overlay)
    namespace = {"development": "styrkedjan-dev", "production": "styrkedjan"}[overlay]
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == namespace, f"{doc['kind']}/{doc['metadata']['name']}"
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "styrkedjan"
    ns = find(docs, "Namespace", namespace)
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for app in APPS:
        deployment = find(docs, "Deployment", app.name)
        assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
        service = find(docs, "Service", app.name)
        assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
        assert service["spec"]["ports"] == [{"name": "http", "port": 8000, "targetPort": "http", "protocol": "TCP"}]
        hpa = find(docs, "HorizontalPodAutoscaler", app.name)
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": app.name}
        assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
        find(docs, "Job", f"{app.name}-migrate")
        if overlay == "production":
            assert hpa["spec"]["minReplicas"] >= 2
            pdb = find(docs, "PodDisruptionBudget", app.name)
            assert pdb["spec"]["selector"] == deployment["spec"]["selector"]
            assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_value_is_committed(overlay: str) -> None:
    docs = render(overlay)
    assert [d["metadata"]["name"] for d in docs if d["kind"] == "Secret"] == []
    for doc in docs:
        if doc["kind"] == "ConfigMap":
            for key, value in doc.get("data", {}).items():
                assert "PRIVATE KEY" not in value and not key.endswith(("_DATABASE_URL", "_PRIVATE_KEY")), key


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_deployment_probes_resources_and_security(overlay: str, app: App) -> None:
    docs = render(overlay)
    template = pod_template(docs, "Deployment", app.name)
    pod = template["spec"]
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "http"}
    assert container["startupProbe"]["httpGet"] == {"path": "/livez", "port": "http"}
    assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= container["resources"][kind].keys(), kind
    assert_restricted(pod, container)
    assert pod["terminationGracePeriodSeconds"] > 5 + 20, "preStop sleep plus uvicorn's graceful shutdown must fit"


def assert_restricted(pod: dict[str, Any], container: dict[str, Any]) -> None:
    """Pod Security Standard "restricted", read-only root, the image's uid, no API token, /tmp writable."""
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == APP_UID == pod["securityContext"]["runAsGroup"]
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False and pod["enableServiceLinks"] is False
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    assert {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}} in pod["volumes"]


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_migration_job_runs_the_apps_migrate_command_with_the_apps_configuration(overlay: str, app: App) -> None:
    docs = render(overlay)
    job = find(docs, "Job", f"{app.name}-migrate")
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migration"
    pod = job["spec"]["template"]["spec"]
    (migrate,) = pod["containers"]
    (server,) = pod_template(docs, "Deployment", app.name)["spec"]["containers"]
    assert migrate["command"] == ["python", "-m", app.module, "migrate"]
    assert pod["restartPolicy"] == "Never"
    assert migrate["image"] == server["image"]
    assert migrate["envFrom"] == server["envFrom"]
    assert sorted(migrate["env"], key=lambda e: e["name"]) == sorted(server["env"], key=lambda e: e["name"])
    assert_restricted(pod, migrate)
    assert job["spec"]["backoffLimit"] >= 1 and job["spec"]["activeDeadlineSeconds"] > 0


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_gateway_reaches_the_services(overlay: str) -> None:
    docs = render(overlay)
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    default_deny = [
        p
        for p in policies
        if p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert default_deny, "a default-deny policy for the namespace"
    for service in SERVICES:
        labels = pod_template(docs, "Deployment", service.name)["metadata"]["labels"]
        selecting = [p for p in policies if "Ingress" in p["spec"]["policyTypes"] and labels_match(p["spec"]["podSelector"], labels)]
        rules = [rule for p in selecting for rule in p["spec"].get("ingress", [])]
        assert rules, f"{service.name}: some ingress must be allowed"
        for rule in rules:
            peers = rule.get("from")
            assert peers, f"{service.name}: a rule without `from` admits everyone"
            for peer in peers:
                assert set(peer) == {"podSelector"}, f"{service.name}: only pods of this namespace, by label"
                assert labels_match(peer["podSelector"], GATEWAY_LABELS)
                for app in APPS:
                    if not app.is_gateway:
                        other = pod_template(docs, "Deployment", app.name)["metadata"]["labels"]
                        assert not labels_match(peer["podSelector"], other), f"{app.name} may reach {service.name}"
                    job = pod_template(docs, "Job", f"{app.name}-migrate")["metadata"]["labels"]
                    assert not labels_match(peer["podSelector"], job)
            assert [p["port"] for p in rule["ports"]] == [8000]
    gateway_labels = pod_template(docs, "Deployment", "gateway")["metadata"]["labels"]
    assert labels_match({"matchLabels": GATEWAY_LABELS}, gateway_labels)
    egress = [
        r
        for p in policies
        if "Egress" in p["spec"]["policyTypes"] and labels_match(p["spec"]["podSelector"], gateway_labels)
        for r in p["spec"].get("egress", [])
    ]
    service_labels = pod_template(docs, "Deployment", "goals")["metadata"]["labels"]
    assert any(any("podSelector" in peer and labels_match(peer["podSelector"], service_labels) for peer in r.get("to", [])) for r in egress)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_gateway_reaches_each_service_by_its_kubernetes_service(overlay: str) -> None:
    docs = render(overlay)
    (gateway,) = pod_template(docs, "Deployment", "gateway")["spec"]["containers"]
    config = find(docs, "ConfigMap", gateway["envFrom"][0]["configMapRef"]["name"])["data"]
    for service in SERVICES:
        find(docs, "Service", service.name)
        assert config[f"GATEWAY_{service.prefix}_URL"] == f"http://{service.name}:8000"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_and_operator_config_maps_are_referenced_by_name_and_documented(overlay: str) -> None:
    docs = render(overlay)
    generated = {d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap"}
    referenced: set[str] = set()
    for doc in docs:
        if doc["kind"] not in ("Deployment", "Job"):
            continue
        pod = doc["spec"]["template"]["spec"]
        for container in pod["containers"]:
            for item in container.get("env", []):
                source = item.get("valueFrom", {})
                ref = source.get("secretKeyRef") or source.get("configMapKeyRef")
                assert ref or "value" in item, item
                if ref:
                    referenced.add(ref["name"])
        for volume in pod["volumes"]:
            if "secret" in volume:
                referenced.add(volume["secret"]["secretName"])
            if "configMap" in volume:
                referenced.add(volume["configMap"]["name"])
    external = referenced - generated
    expected = {f"styrkedjan-{app.name}-database" for app in APPS} | {
        "styrkedjan-assertion-signing-key",
        "styrkedjan-assertion-public-keys",
        "styrkedjan-oidc",
    }
    if overlay == "development":
        expected.add("styrkedjan-dev-issuer-key")
    assert external == expected
    readme = DEPLOY_README.read_text(encoding="utf-8")
    for name in external:
        assert f"`{name}`" in readme, f"deploy/README.md must say how to create {name}"


def test_production_requires_oidc_and_development_enables_the_dev_issuer() -> None:
    production = render("production")
    (gateway,) = pod_template(production, "Deployment", "gateway")["spec"]["containers"]
    refs = {e["name"]: e["valueFrom"]["configMapKeyRef"] for e in gateway["env"] if "configMapKeyRef" in e.get("valueFrom", {})}
    assert refs["GATEWAY_OIDC_ISSUER"]["optional"] is False and refs["GATEWAY_OIDC_AUDIENCE"]["optional"] is False
    config = find(production, "ConfigMap", gateway["envFrom"][0]["configMapRef"]["name"])["data"]
    assert config["GATEWAY_ENVIRONMENT"] == "production" and config["GATEWAY_DEV_ISSUER_ENABLED"] == "false"
    development = render("development")
    (gateway,) = pod_template(development, "Deployment", "gateway")["spec"]["containers"]
    config = find(development, "ConfigMap", gateway["envFrom"][0]["configMapRef"]["name"])["data"]
    assert config["GATEWAY_ENVIRONMENT"] == "development" and config["GATEWAY_DEV_ISSUER_ENABLED"] == "true"
    mounts = {m["mountPath"] for m in gateway["volumeMounts"]}
    assert config["GATEWAY_DEV_ISSUER_PRIVATE_KEY_FILE"].rsplit("/", 1)[0] in mounts


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_key_files_named_in_the_configuration_are_mounted(overlay: str) -> None:
    docs = render(overlay)
    for app in APPS:
        (container,) = pod_template(docs, "Deployment", app.name)["spec"]["containers"]
        config = find(docs, "ConfigMap", container["envFrom"][0]["configMapRef"]["name"])["data"]
        setting = "GATEWAY_ASSERTION_PRIVATE_KEY_FILE" if app.is_gateway else f"{app.prefix}_ASSERTION_PUBLIC_KEYS_FILE"
        folder, file = config[setting].rsplit("/", 1)
        (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == folder]
        assert mount["readOnly"] is True
        (volume,) = [v for v in pod_template(docs, "Deployment", app.name)["spec"]["volumes"] if v["name"] == mount["name"]]
        source = volume.get("secret") or volume.get("configMap")
        assert [item["path"] for item in source["items"]] == [file]
        if app.is_gateway:
            assert "secret" in volume, "the signing key is a Secret"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_release_steps_selectors_apply_what_the_migrations_need_first(overlay: str) -> None:
    """deploy/README.md applies `component in (config,migration)` first, waits for the Jobs, then
    everything: so a Job's ServiceAccount, ConfigMaps and policies must be in that first set, and
    no Deployment may be."""
    docs = render(overlay)
    components = {(d["kind"], d["metadata"]["name"]): d["metadata"]["labels"].get("app.kubernetes.io/component") for d in docs}
    assert set(components.values()) <= {"gateway", "service", "migration", "config"}, components
    first = {key for key, component in components.items() if component in ("config", "migration")}
    assert {kind for kind, _ in first} == {"Namespace", "ServiceAccount", "ConfigMap", "NetworkPolicy", "Job"}
    for doc in docs:
        if doc["kind"] != "Job":
            continue
        pod = doc["spec"]["template"]["spec"]
        assert ("ServiceAccount", pod["serviceAccountName"]) in first
        for container in pod["containers"]:
            for source in container["envFrom"]:
                assert ("ConfigMap", source["configMapRef"]["name"]) in first
    readme = DEPLOY_README.read_text(encoding="utf-8")
    assert "-l 'app.kubernetes.io/component in (config,migration)'" in readme
    assert "wait --for=condition=complete job -l app.kubernetes.io/component=migration" in readme
