"""The cluster-level checks (scripts/check_deploy_cluster.py) pass on the repository and fail on each
blocking defect of the production install as it stood before: data stores in the application namespace
(unreachable, refused by Pod Security), S3 over TLS without the cluster CA, no pooler nor
max_connections, replicas on autoscaled Deployments, no alerts, queue policies missing."""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


check = _load("lp_check_deploy_for_cluster", REPO / "scripts" / "check_deploy.py")
cluster = check.cluster


def _prod() -> tuple[list[dict], list[dict]]:
    return copy.deepcopy(list(check.render("overlays/prod"))), copy.deepcopy(list(check.render("infra/prod")))


def _find(docs, kind, name):
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


@pytest.mark.parametrize("variant", ["dev", "prod"])
def test_the_repository_passes(variant):
    app, infra = list(check.render(f"overlays/{variant}")), list(check.render(f"infra/{variant}"))
    assert cluster.cluster_problems(app, infra, variant, check.SERVICES) == []


def test_data_stores_in_the_restricted_application_namespace_are_unreachable_and_refused():
    """As deploy/infra/prod was: the stores beside the application, behind its default-deny-ingress."""
    app, infra = _prod()
    moved = []
    for doc in infra:
        if doc["kind"] == "Namespace" or doc["kind"] == "NetworkPolicy":
            continue
        doc["metadata"]["namespace"] = "lp-platform"
        moved.append(doc)
    config = _find(
        app,
        "ConfigMap",
        next(d["metadata"]["name"] for d in app if d["metadata"]["name"].startswith("lp-config")),
    )
    for key, value in list(config["data"].items()):
        config["data"][key] = value.replace(".lp-data.svc.cluster.local", "")

    docs = [*app, *moved]
    network = cluster.network_problems(docs)
    security = cluster.pod_security_problems(docs)

    assert any(
        "Deployment/auth (lp-platform) cannot reach RabbitmqCluster/lp-rabbitmq" in p and "5672" in p
        for p in network
    )
    assert any("Deployment/gateway (lp-platform) cannot reach Redis/lp-redis" in p for p in network)
    assert any(
        "Deployment/mall (lp-platform) cannot reach Tenant/lp-minio" in p and "9000" in p for p in network
    )
    assert any("Deployment/auth (lp-platform) cannot reach Pooler/lp-pg-auth-pooler-tx" in p for p in network)
    assert any(
        "Cluster/lp-pg-auth (lp-platform) cannot reach Cluster/lp-pg-auth" in p and "5432" in p
        for p in network
    )  # replication
    assert any("RabbitmqCluster operator" in p and "15672" in p for p in network)
    assert any(
        "Tenant/lp-minio (lp-platform) cannot reach Tenant/lp-minio" in p for p in network
    )  # node to node
    assert any(
        p.startswith("RabbitmqCluster/lp-rabbitmq: its operator's pods meet Pod Security 'baseline'")
        and "enforces 'restricted'" in p
        for p in security
    )
    assert any(p.startswith("Redis/lp-redis: its operator's pods meet") for p in security)
    assert not any(p.startswith("Cluster/lp-pg-auth:") for p in security)  # CloudNativePG meets restricted


def test_each_flow_needs_its_own_policy_rule():
    app, infra = _prod()
    rabbit = _find(infra, "NetworkPolicy", "lp-rabbitmq")
    rabbit["spec"]["ingress"] = [
        r for r in rabbit["spec"]["ingress"] if {"port": 25672, "protocol": "TCP"} not in r.get("ports", [])
    ]
    poolers = _find(infra, "NetworkPolicy", "lp-pg-mall-poolers")
    poolers["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] = "auth"

    problems = cluster.network_problems([*app, *infra])

    assert any(
        "RabbitmqCluster/lp-rabbitmq (lp-data) cannot reach RabbitmqCluster/lp-rabbitmq" in p and "25672" in p
        for p in problems
    )
    assert any(
        p.startswith("Deployment/mall (lp-platform) cannot reach Pooler/lp-pg-mall-pooler-tx")
        for p in problems
    )
    assert any(
        p.startswith("Deployment/mall-worker (lp-platform) cannot reach Pooler/lp-pg-mall-pooler-session")
        for p in problems
    )
    assert not any(p.startswith("Deployment/auth ") for p in problems)


def test_an_egress_policy_in_the_application_namespace_is_replayed_too():
    app, infra = _prod()
    app.append(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "default-deny-egress", "namespace": "lp-platform"},
            "spec": {"podSelector": {}, "policyTypes": ["Egress"]},
        }
    )
    problems = cluster.network_problems([*app, *infra])
    assert any(
        p.startswith("Deployment/notify-worker (lp-platform) cannot reach RabbitmqCluster") for p in problems
    )


def test_a_setting_naming_a_host_no_store_serves_is_reported():
    app, infra = _prod()
    config = next(d for d in app if d["metadata"]["name"].startswith("lp-config"))
    config["data"]["LP_REDIS_HOST"] = "lp-redis"  # the short name of the old single namespace
    problems = cluster.network_problems([*app, *infra])
    assert any("its Redis host lp-redis:6379 is no Service" in p for p in problems)


def test_operator_overrides_are_held_to_their_namespace_level():
    app, infra = _prod()
    rabbit = _find(infra, "RabbitmqCluster", "lp-rabbitmq")
    rabbit["spec"]["override"]["statefulSet"]["spec"]["template"]["spec"]["hostNetwork"] = True
    tenant = _find(infra, "Tenant", "lp-minio")
    tenant["spec"]["pools"][0]["containerSecurityContext"]["privileged"] = True
    auth = _find(app, "Deployment", "auth")["spec"]["template"]["spec"]
    auth["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = True

    problems = cluster.pod_security_problems([*app, *infra])

    assert "RabbitmqCluster/lp-rabbitmq override: hostNetwork is not allowed at baseline" in problems
    assert any(p.startswith("Tenant/lp-minio pool pool-0 container minio: privileged") for p in problems)
    assert "Deployment/auth container auth: restricted needs allowPrivilegeEscalation: false" in problems


def test_s3_over_tls_with_the_cluster_signed_certificate_needs_the_ca():
    app, infra = _prod()
    config = next(d for d in app if d["metadata"]["name"].startswith("lp-config"))
    del config["data"]["LP_S3_CA_FILE"]
    mall = _find(app, "Deployment", "mall")["spec"]["template"]["spec"]
    problems = cluster.ca_problems([*app, *infra])
    assert any(
        p.startswith("Deployment/mall: S3 at minio.lp-data.svc.cluster.local is TLS") for p in problems
    )

    app, infra = _prod()
    mall = _find(app, "Deployment", "mall")["spec"]["template"]["spec"]
    mall["containers"][0]["volumeMounts"] = [
        m for m in mall["containers"][0]["volumeMounts"] if m["name"] != "cluster-ca"
    ]
    problems = cluster.ca_problems([*app, *infra])
    assert problems == [
        "Deployment/mall: LP_S3_CA_FILE /etc/lp/ca/ca.crt is on no mounted volume (the settings "
        "refuse to start)"
    ]

    # development: no TLS, nothing to mount
    dev = [*check.render("overlays/dev"), *check.render("infra/dev")]
    assert cluster.ca_problems(list(dev)) == []


def test_the_connection_budget_is_carried_by_the_manifests_and_fits(tmp_path):
    app, infra = _prod()
    for doc in infra:
        if doc["kind"] == "Cluster":
            del doc["spec"]["postgresql"]["parameters"]["max_connections"]
    _find(app, "HorizontalPodAutoscaler", "declaration")["spec"]["maxReplicas"] = 30
    infra = [d for d in infra if d["metadata"]["name"] != "lp-pg-notify-pooler-session"]

    problems = cluster.budget_problems(app, infra, "prod", check.SERVICES)

    assert any(p.startswith("Cluster/lp-pg-auth: max_connections None") for p in problems)
    assert "HorizontalPodAutoscaler/declaration: maxReplicas 30 is not the budget's 20" in problems
    assert "lp-pg-notify: no session-mode Pooler" in problems

    # a budget whose sums do not fit
    budget = tmp_path / "budget.yaml"
    text = (REPO / "deploy" / "connection-budget.yaml").read_text(encoding="utf-8")
    budget.write_text(
        text.replace(
            "worker: {max_replicas: 6, db_pool_size: 3, relay_connections: 6}",
            "worker: {max_replicas: 12, db_pool_size: 3, relay_connections: 6}",
        )
    )
    assert "max_replicas: 12" in budget.read_text(encoding="utf-8")
    app, infra = _prod()
    problems = cluster.budget_problems(app, infra, "prod", check.SERVICES, budget_file=budget)
    assert any("worker and migration connections exceed the session Pooler" in p for p in problems)

    # the relay's own connections must be counted
    budget.write_text(text.replace("relay_connections: 6}", "relay_connections: 1}"))
    problems = cluster.budget_problems(app, infra, "prod", check.SERVICES, budget_file=budget)
    assert any("worker.relay_connections must be 6" in p for p in problems)


def test_no_replicas_on_autoscaled_deployments_and_workers_scale_on_their_queue():
    app, _ = _prod()
    _find(app, "Deployment", "auth")["spec"]["replicas"] = 3
    app.remove(_find(app, "ScaledObject", "mall-worker"))

    problems = cluster.scaling_problems(app)

    assert any(
        p.startswith("Deployment/auth: sets spec.replicas although HorizontalPodAutoscaler/auth")
        for p in problems
    )
    assert "Deployment/mall-worker: a worker scales on its queue depth: needs a KEDA ScaledObject" in problems


def test_every_exported_metric_family_has_an_alert_and_every_pod_a_monitor():
    app, infra = _prod()
    rule = _find(app, "PrometheusRule", "lp-platform")
    for group in rule["spec"]["groups"]:
        group["rules"] = [
            r
            for r in group["rules"]
            if "dead_letter_queue_depth" not in r["expr"] and r["alert"] != "LpBackupFailed"
        ]
    app.remove(_find(app, "PodMonitor", "lp-platform-workers"))

    problems = cluster.monitoring_problems([*app, *infra])

    assert (
        "PrometheusRule: no alert watches the metric family dead_letter_queue_depth (kit.metrics)" in problems
    )
    assert "PrometheusRule: no alert LpBackupFailed" in problems
    assert "Deployment/auth-worker: no PodMonitor picks its pods, Prometheus does not scrape it" in problems
    assert not any("Deployment/auth:" in p for p in problems)


def test_consumer_queues_need_their_dead_letter_policy():
    _, infra = _prod()
    infra.remove(_find(infra, "Policy", "lp-declaration-dead-letter"))
    _find(infra, "Policy", "lp-mall-dead-letter")["spec"]["definition"]["dead-letter-routing-key"] = "lp.auth"

    problems = cluster.operator_policy_problems(infra)

    assert any(
        p.startswith("RabbitMQ Policy objects: no policy for the queue lp.declaration") for p in problems
    )
    assert (
        "RabbitMQ Policy objects: policy lp.mall.dead-letter: dead-letter-routing-key must be lp.mall"
        in problems
    )


def test_data_stores_declare_resources_monitoring_and_backups():
    _, infra = _prod()
    del _find(infra, "RabbitmqCluster", "lp-rabbitmq")["spec"]["resources"]
    infra.remove(_find(infra, "PodMonitor", "lp-redis"))
    infra.remove(_find(infra, "ScheduledBackup", "lp-pg-mall-daily"))
    del _find(infra, "Pooler", "lp-pg-auth-pooler-tx")["spec"]["template"]

    problems = cluster.store_problems(infra)

    assert "RabbitmqCluster/lp-rabbitmq: declares no cpu and memory requests and limits" in problems
    assert "Pooler/lp-pg-auth-pooler-tx: declares no cpu and memory requests and limits" in problems
    assert "Redis/lp-redis: no PodMonitor scrapes it" in problems
    assert "Cluster/lp-pg-mall: no ScheduledBackup" in problems
    assert len(problems) == 4
