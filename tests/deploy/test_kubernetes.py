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
# Who may call a service besides the gateway: the follow-up service reads the other three, and
# the goals service writes the assessments of Stratsys's structure file into the follow-up service.
CALLERS = {"goals": {"followup"}, "budget": {"followup"}, "followup": {"goals"}, "internal-control": {"followup"}}
SERVICE_PUBLIC_KEYS_FOLDER = "/etc/styrkedjan/service-public-keys"


def validate(document: dict[str, Any], version: str) -> None:
    kubernetes_validate = python_module("kubernetes_validate")
    kubernetes_validate.validate(document, version, strict=True)


def labels_match(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels", "matchExpressions"}, "only label selectors are evaluated here"
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] in ("In", "NotIn"), "only In and NotIn are evaluated here"
        inside = labels.get(expression["key"]) in expression["values"]
        if inside != (expression["operator"] == "In"):
            return False
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def test_the_selector_evaluation_follows_kubernetes() -> None:
    labels = {"app.kubernetes.io/name": "goals", "app.kubernetes.io/component": "service"}
    expression = {"key": "app.kubernetes.io/name", "operator": "In", "values": ["goals", "budget"]}
    assert labels_match({"matchLabels": {"app.kubernetes.io/component": "service"}, "matchExpressions": [expression]}, labels)
    assert not labels_match({"matchLabels": {"app.kubernetes.io/component": "gateway"}, "matchExpressions": [expression]}, labels)
    assert not labels_match({"matchExpressions": [expression | {"values": ["budget"]}]}, labels)
    assert labels_match({"matchExpressions": [expression | {"operator": "NotIn", "values": ["budget"]}]}, labels)


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
    # The API, and the metrics on a port of their own that the Service and the ingress leave out.
    assert container["ports"] == [
        {"name": "http", "containerPort": 8000, "protocol": "TCP"},
        {"name": "metrics", "containerPort": 9100, "protocol": "TCP"},
    ]
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


def policies_selecting(docs: list[dict[str, Any]], direction: str, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The rules of every policy of one direction ("Ingress", "Egress") that selects the pod."""
    key = direction.lower()
    return [
        rule
        for p in docs
        if p["kind"] == "NetworkPolicy" and direction in p["spec"]["policyTypes"] and labels_match(p["spec"]["podSelector"], labels)
        for rule in p["spec"].get(key, [])
    ]


def reaches(egress: list[dict[str, Any]], labels: dict[str, str], port: int = 8000) -> bool:
    """Whether egress rules let a pod out to the pods with these labels on the port."""
    return any(
        any("podSelector" in peer and labels_match(peer["podSelector"], labels) for peer in rule.get("to", []))
        and port in [p["port"] for p in rule.get("ports", [])]
        for rule in egress
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_gateway_and_the_declared_callers_reach_the_services(overlay: str) -> None:
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
        rules = policies_selecting(docs, "Ingress", labels)
        assert rules, f"{service.name}: some ingress must be allowed"
        admitted: set[str] = set()
        for rule in rules:
            peers = rule.get("from")
            assert peers, f"{service.name}: a rule without `from` admits everyone"
            for peer in peers:
                assert set(peer) == {"podSelector"}, f"{service.name}: only pods of this namespace, by label"
                for app in APPS:
                    pod = pod_template(docs, "Deployment", app.name)["metadata"]["labels"]
                    if labels_match(peer["podSelector"], pod):
                        admitted.add(app.name)
                    job = pod_template(docs, "Job", f"{app.name}-migrate")["metadata"]["labels"]
                    assert not labels_match(peer["podSelector"], job), f"{app.name}'s migration may reach {service.name}"
            assert [p["port"] for p in rule["ports"]] == [8000]
        assert admitted == {"gateway"} | CALLERS[service.name], service.name
    gateway_labels = pod_template(docs, "Deployment", "gateway")["metadata"]["labels"]
    assert labels_match({"matchLabels": GATEWAY_LABELS}, gateway_labels)
    egress = policies_selecting(docs, "Egress", gateway_labels)
    service_labels = pod_template(docs, "Deployment", "goals")["metadata"]["labels"]
    assert reaches(egress, service_labels)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_services_reach_the_directory_and_the_followup_service_its_callees(overlay: str) -> None:
    docs = render(overlay)
    gateway = pod_template(docs, "Deployment", "gateway")["metadata"]["labels"]
    for service in SERVICES:
        labels = pod_template(docs, "Deployment", service.name)["metadata"]["labels"]
        egress = policies_selecting(docs, "Egress", labels)
        assert reaches(egress, gateway), f"{service.name} must reach the gateway's directory"
        # The gateway admits everyone in the cluster on its port, the services among them.
        assert any(
            not rule.get("from") and 8000 in [p["port"] for p in rule["ports"]] for rule in policies_selecting(docs, "Ingress", gateway)
        )
        for callee in SERVICES:
            callee_labels = pod_template(docs, "Deployment", callee.name)["metadata"]["labels"]
            expected = service.name in CALLERS[callee.name]
            assert reaches(egress, callee_labels) == expected, f"{service.name} -> {callee.name}"


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
    expected = (
        {f"styrkedjan-{app.name}-database" for app in APPS}
        | {f"styrkedjan-{service.name}-service-key" for service in SERVICES}
        | {"styrkedjan-assertion-signing-key", "styrkedjan-assertion-public-keys", "styrkedjan-service-public-keys", "styrkedjan-oidc"}
    )
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


def mounted_volume(docs: list[dict[str, Any]], kind: str, name: str, folder: str) -> dict[str, Any]:
    """The volume mounted read-only at `folder` in the pod's one container."""
    template = pod_template(docs, kind, name)
    (container,) = template["spec"]["containers"]
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == folder]
    assert mount["readOnly"] is True
    (volume,) = [v for v in template["spec"]["volumes"] if v["name"] == mount["name"]]
    return volume


def app_config(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, str]:
    (container,) = pod_template(docs, kind, name)["spec"]["containers"]
    return find(docs, "ConfigMap", container["envFrom"][0]["configMapRef"]["name"])["data"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_key_files_named_in_the_configuration_are_mounted(overlay: str) -> None:
    docs = render(overlay)
    for app in APPS:
        for kind, name in (("Deployment", app.name), ("Job", f"{app.name}-migrate")):
            config = app_config(docs, kind, name)
            files = ["GATEWAY_ASSERTION_PRIVATE_KEY_FILE"] if app.is_gateway else [f"{app.prefix}_ASSERTION_PUBLIC_KEYS_FILE"]
            if not app.is_gateway:
                files.append(f"{app.prefix}_SERVICE_PRIVATE_KEY_FILE")
            for setting in files:
                folder, file = config[setting].rsplit("/", 1)
                volume = mounted_volume(docs, kind, name, folder)
                source = volume.get("secret") or volume.get("configMap")
                assert [item["path"] for item in source["items"]] == [file]
                if setting.endswith("PRIVATE_KEY_FILE"):
                    assert "secret" in volume, f"{setting}: a signing key is a Secret"
            if not app.is_gateway:
                secret = mounted_volume(docs, kind, name, config[f"{app.prefix}_SERVICE_PRIVATE_KEY_FILE"].rsplit("/", 1)[0])["secret"]
                assert secret["secretName"] == f"styrkedjan-{app.name}-service-key", "each service holds its own key and no other"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("app", APPS, ids=APP_IDS)
def test_every_app_reads_every_services_public_keys_from_one_folder(overlay: str, app: App) -> None:
    docs = render(overlay)
    for kind, name in (("Deployment", app.name), ("Job", f"{app.name}-migrate")):
        folder = app_config(docs, kind, name)[f"{app.prefix}_SERVICE_PUBLIC_KEYS_DIR"]
        assert folder == SERVICE_PUBLIC_KEYS_FOLDER
        config_map = mounted_volume(docs, kind, name, folder)["configMap"]
        assert config_map["name"] == "styrkedjan-service-public-keys"
        # `<service>.pem` per service: the file's name is the caller's name (a missing key stops the pod).
        assert {(i["key"], i["path"]) for i in config_map["items"]} == {(f"{s.name}.pem", f"{s.name}.pem") for s in SERVICES}
        assert not config_map.get("optional")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_services_read_the_directory_and_followup_its_callees_at_their_kubernetes_services(overlay: str) -> None:
    docs = render(overlay)
    find(docs, "Service", "gateway")
    for service in SERVICES:
        config = app_config(docs, "Deployment", service.name)
        assert config[f"{service.prefix}_DIRECTORY_URL"] == "http://gateway:8000"
        assert float(config[f"{service.prefix}_DIRECTORY_SYNC_INTERVAL_SECONDS"]) > 0
    followup = app_config(docs, "Deployment", "followup")
    for callee in SERVICES:
        if callee.name != "followup":
            find(docs, "Service", callee.name)
            assert followup[f"FOLLOWUP_{callee.prefix}_URL"] == f"http://{callee.name}:8000"
    assert app_config(docs, "Deployment", "goals")["GOALS_FOLLOWUP_URL"] == "http://followup:8000"


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
