"""The cluster-level rules of scripts/check_deploy.py: they read an application overlay and the data stores
it runs against (deploy/overlays/<v> + deploy/infra/<v>) as one cluster and fail on each way the install
would not come up.

- network flows: every connection the settings name (each workload to its database, broker, Redis and S3)
  and every connection the data stores need among themselves, from their operators and from Prometheus,
  replayed against the rendered NetworkPolicies (ingress and egress, pod and namespace selectors, ports);
- Pod Security: each namespace's enforced level against every pod template, the operator objects' pod
  overrides included, and against the level each operator's pods are known to meet;
- the cluster CA mounted wherever S3 is reached over TLS with a cluster-signed certificate;
- the connection budget (deploy/connection-budget.yaml) against max_connections, the Poolers, the pool
  sizes and the autoscaler maxima;
- scaling: no replicas on autoscaled Deployments, KEDA on queue depth for workers, CPU for HTTP pods;
- monitoring: PodMonitors that pick every pod's metrics port, an alert for each metric family the kit
  exports, and the README explaining every alert.

Operators create pods and Services from their custom resources; ``operator_pods`` models what each
operator makes (labels, ports, Service names) for the versions deploy/README.md names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Doc = dict[str, Any]
REPO = Path(__file__).resolve().parents[1]
BUDGET = REPO / "deploy" / "connection-budget.yaml"

LEVELS = {"privileged": 0, "baseline": 1, "restricted": 2}
# The Pod Security level the pods each operator builds meet (rabbitmq cluster-operator 2.x: the setup
# init container runs without a restricted context; OpsTree redis-operator 0.x and the MinIO operator's
# tenant sidecars likewise; CloudNativePG documents `restricted`).
OPERATOR_LEVEL = {
    "RabbitmqCluster": "baseline",
    "Redis": "baseline",
    "Tenant": "baseline",
    "Cluster": "restricted",
    "Pooler": "restricted",
}
# Namespaces the operators and Prometheus run in (deploy/README.md, "Installing on a cluster from nothing").
OPERATOR_NAMESPACE = {
    "Cluster": "cnpg-system",
    "Pooler": "cnpg-system",
    "RabbitmqCluster": "rabbitmq-system",
    "Redis": "redis-operator",
    "Tenant": "minio-operator",
}
PROMETHEUS = ("monitoring", {"app.kubernetes.io/name": "prometheus"})

_BASELINE_CAPS = {
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
}
_RESTRICTED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
_SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}


def _name(doc: Doc) -> str:
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"


def _ns(doc: Doc) -> str:
    return doc.get("metadata", {}).get("namespace", "")


# ------------------------------------------------------------------------------------------- selectors


def selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics: an empty selector selects everything."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


# ------------------------------------------------------------------------------------------------ pods


@dataclass
class Pods:
    """A set of pods: a workload's template or what an operator makes from a custom resource."""

    owner: str
    namespace: str
    labels: dict[str, str]
    ports: dict[str, int] = field(default_factory=dict)  # named container ports
    kind: str = ""


@dataclass
class Service:
    pods: Pods
    ports: dict[int, int]  # Service port -> pod port


def namespaces(docs: Iterable[Doc]) -> dict[str, dict[str, str]]:
    """Namespace name -> labels (with the kubernetes.io/metadata.name label every namespace has)."""
    found = {
        d["metadata"]["name"]: {
            **(d["metadata"].get("labels") or {}),
            "kubernetes.io/metadata.name": d["metadata"]["name"],
        }
        for d in docs
        if d.get("kind") == "Namespace"
    }
    for name in (*OPERATOR_NAMESPACE.values(), PROMETHEUS[0], "ingress-nginx", "keda"):
        found.setdefault(name, {"kubernetes.io/metadata.name": name})
    return found


def pod_spec(doc: Doc) -> dict[str, Any] | None:
    if doc.get("kind") in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
        return doc["spec"]["template"]["spec"]
    return None


def workload_pods(docs: Iterable[Doc]) -> list[tuple[Doc, Pods]]:
    result = []
    for doc in docs:
        spec = pod_spec(doc)
        if spec is None:
            continue
        ports = {
            p["name"]: p["containerPort"]
            for c in spec.get("containers", [])
            for p in c.get("ports", [])
            if p.get("name")
        }
        labels = doc["spec"]["template"]["metadata"].get("labels") or {}
        result.append((doc, Pods(_name(doc), _ns(doc), labels, ports, doc["kind"])))
    return result


def operator_pods(docs: Iterable[Doc]) -> tuple[list[Pods], dict[tuple[str, str], Service]]:
    """The pods and Services the operators make from the rendered custom resources."""
    pods: list[Pods] = []
    services: dict[tuple[str, str], Service] = {}
    for doc in docs:
        kind, name, ns = doc.get("kind"), doc["metadata"].get("name"), _ns(doc)
        spec = doc.get("spec") or {}
        if kind == "RabbitmqCluster":
            group = Pods(
                _name(doc),
                ns,
                {"app.kubernetes.io/name": name, "app.kubernetes.io/component": "rabbitmq"},
                {"amqp": 5672, "management": 15672, "prometheus": 15692, "epmd": 4369, "cluster-rpc": 25672},
                kind,
            )
            services[(ns, name)] = Service(group, {5672: 5672, 15672: 15672, 15692: 15692})
        elif kind == "Redis":
            group = Pods(
                _name(doc),
                ns,
                {"app": name, "redis_setup_type": "standalone", "role": "standalone"},
                {"redis-client": 6379, "redis-exporter": 9121},
                kind,
            )
            services[(ns, name)] = Service(group, {6379: 6379})
        elif kind == "Tenant":
            group = Pods(
                _name(doc), ns, {"v1.min.io/tenant": name}, {"https-minio": 9000, "http-minio": 9000}, kind
            )
            services[(ns, "minio")] = Service(group, {443 if spec.get("requestAutoCert") else 80: 9000})
        elif kind == "Cluster" and str(doc.get("apiVersion", "")).startswith("postgresql.cnpg.io"):
            group = Pods(
                _name(doc),
                ns,
                {"cnpg.io/cluster": name, "cnpg.io/podRole": "instance"},
                {"postgresql": 5432, "status": 8000, "metrics": 9187},
                kind,
            )
            for suffix in ("rw", "ro", "r"):
                services[(ns, f"{name}-{suffix}")] = Service(group, {5432: 5432})
        elif kind == "Pooler":
            group = Pods(
                _name(doc),
                ns,
                {"cnpg.io/poolerName": name, "cnpg.io/podRole": "pooler"},
                {"pgbouncer": 5432, "metrics": 9127},
                kind,
            )
            services[(ns, name)] = Service(group, {5432: 5432})
        else:
            continue
        pods.append(group)
    return pods, services


# ------------------------------------------------------------------------------------ network policies


@dataclass
class Flow:
    source: Pods
    target: Pods
    port: int
    why: str


def _port_matches(rule_ports: list[dict[str, Any]] | None, port: int, named: dict[str, int]) -> bool:
    if not rule_ports:
        return True
    for entry in rule_ports:
        value = entry.get("port")
        if value is None:
            return True
        if isinstance(value, str):
            value = named.get(value)
            if value is None:
                continue
        if value == port or (entry.get("endPort") and value <= port <= entry["endPort"]):
            return True
    return False


def _peer_matches(
    peer: dict[str, Any], policy_ns: str, other: Pods, ns_labels: dict[str, dict[str, str]]
) -> bool:
    if "ipBlock" in peer:
        return False  # pod addresses are not known statically; the platform's policies never use them
    pod_selector, ns_selector = peer.get("podSelector"), peer.get("namespaceSelector")
    if ns_selector is None:
        in_namespace = other.namespace == policy_ns
    else:
        in_namespace = selects(ns_selector, ns_labels.get(other.namespace, {}))
    return in_namespace and (pod_selector is None or selects(pod_selector, other.labels))


def _side_admits(
    policies: list[Doc],
    direction: str,
    pods: Pods,
    other: Pods,
    port: int,
    port_names: dict[str, int],
    ns_labels: dict[str, dict[str, str]],
) -> bool:
    peers_key = "from" if direction == "Ingress" else "to"
    isolating = [
        p
        for p in policies
        if _ns(p) == pods.namespace
        and selects(p["spec"].get("podSelector", {}), pods.labels)
        and direction in p["spec"].get("policyTypes", ["Ingress"])
    ]
    if not isolating:
        return True
    for policy in isolating:
        for rule in policy["spec"].get(direction.lower(), []) or []:
            if not _port_matches(rule.get("ports"), port, port_names):
                continue
            peers = rule.get(peers_key)
            if not peers or any(_peer_matches(peer, _ns(policy), other, ns_labels) for peer in peers):
                return True
    return False


def admitted(flow: Flow, policies: list[Doc], ns_labels: dict[str, dict[str, str]]) -> bool:
    return _side_admits(
        policies, "Egress", flow.source, flow.target, flow.port, flow.target.ports, ns_labels
    ) and (
        _side_admits(policies, "Ingress", flow.target, flow.source, flow.port, flow.target.ports, ns_labels)
    )


# ---------------------------------------------------------------------------------------------- settings


def config(docs: Iterable[Doc]) -> dict[str, str]:
    maps = [d for d in docs if d.get("kind") == "ConfigMap" and d["metadata"]["name"].startswith("lp-config")]
    return dict(maps[0].get("data") or {}) if maps else {}


def container_env(container: dict[str, Any], cfg: dict[str, str]) -> dict[str, str]:
    """The container's environment as far as the render knows it: lp-config (envFrom) and literal env
    values with $(VAR) expanded; secret-backed variables are kept as markers."""
    env: dict[str, str] = {}
    for ref in container.get("envFrom", []):
        if "configMapRef" in ref and ref["configMapRef"]["name"].startswith("lp-config"):
            env.update(cfg)
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = re.sub(
                r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), str(item["value"])
            )
        else:
            env[item["name"]] = f"<{item['name']}>"
    return env


def _resolve(host: str, namespace: str, services: dict[tuple[str, str], Service]) -> Service | None:
    parts = host.split(".")
    if len(parts) == 1:
        return services.get((namespace, parts[0]))
    if len(parts) >= 3 and parts[2] == "svc":
        return services.get((parts[1], parts[0]))
    return None


def _endpoints(env: dict[str, str]) -> list[tuple[str, str, int]]:
    """(what, host, port) for each data store the container's settings name."""
    found = []
    if "LP_DATABASE_URL" in env:
        found.append(("PostgreSQL", env.get("DB_HOST", ""), 5432))
    if "LP_AMQP_URL" in env:
        found.append(("RabbitMQ", env.get("LP_AMQP_HOST", ""), 5672))
    if "LP_REDIS_URL" in env:
        found.append(("Redis", env.get("LP_REDIS_HOST", ""), 6379))
    if "LP_S3_ACCESS_KEY" in env:
        host, _, port = env.get("LP_S3_ENDPOINT", "").partition(":")
        found.append(("S3", host, int(port or (443 if env.get("LP_S3_SECURE") == "true" else 80))))
    return found


def required_flows(docs: list[Doc]) -> tuple[list[Flow], list[str]]:
    """Every connection the install needs, and the settings that name a host nothing serves."""
    cfg = config(docs)
    store_pods, services = operator_pods(docs)
    flows: list[Flow] = []
    problems: list[str] = []
    for doc, pods in workload_pods(docs):
        for container in pod_spec(doc)["containers"]:  # type: ignore[index]
            env = container_env(container, cfg)
            for what, host, port in _endpoints(env):
                service = _resolve(host, pods.namespace, services)
                if service is None or port not in service.ports:
                    problems.append(
                        f"{pods.owner}: its {what} host {host}:{port} is no Service the data stores of this "
                        "render provide"
                    )
                    continue
                flows.append(Flow(pods, service.pods, service.ports[port], f"{what} ({host}:{port})"))
    prometheus = Pods("Prometheus", PROMETHEUS[0], PROMETHEUS[1])
    by_owner = {p.owner: p for p in store_pods}
    for group in store_pods:
        operator = Pods(f"{group.kind} operator", OPERATOR_NAMESPACE[group.kind], {})
        doc = next(d for d in docs if _name(d) == group.owner)
        monitored = bool((doc["spec"].get("monitoring") or {}).get("enablePodMonitor"))
        if group.kind == "Cluster":
            flows += [Flow(operator, group, 8000, "operator"), Flow(operator, group, 5432, "operator")]
            if doc["spec"].get("instances", 1) > 1:
                flows += [
                    Flow(group, group, 5432, "streaming replication"),
                    Flow(group, group, 8000, "instance status"),
                ]
            if monitored:
                flows.append(Flow(prometheus, group, 9187, "metrics"))
        elif group.kind == "Pooler":
            cluster = by_owner.get(f"Cluster/{doc['spec']['cluster']['name']}")
            if cluster is None:
                problems.append(
                    f"{group.owner}: its cluster {doc['spec']['cluster']['name']} is not rendered"
                )
            else:
                flows.append(Flow(group, cluster, 5432, "pooler to instances"))
            flows.append(Flow(operator, group, 8000, "operator"))
            if monitored:
                flows.append(Flow(prometheus, group, 9127, "metrics"))
        elif group.kind == "RabbitmqCluster":
            flows += [
                Flow(group, group, 4369, "epmd"),
                Flow(group, group, 25672, "clustering"),
                Flow(operator, group, 15672, "operator (management API)"),
                Flow(prometheus, group, 15692, "metrics"),
            ]
        elif group.kind == "Tenant":
            flows += [
                Flow(group, group, 9000, "MinIO servers"),
                Flow(operator, group, 9000, "operator"),
                Flow(prometheus, group, 9000, "metrics"),
            ]
        elif group.kind == "Redis":
            flows += [Flow(operator, group, 6379, "operator"), Flow(prometheus, group, 9121, "metrics")]
    return flows, problems


def network_problems(docs: list[Doc]) -> list[str]:
    policies = [d for d in docs if d.get("kind") == "NetworkPolicy"]
    ns_labels = namespaces(docs)
    flows, problems = required_flows(docs)
    for flow in flows:
        if not admitted(flow, policies, ns_labels):
            problems.append(
                f"{flow.source.owner} ({flow.source.namespace}) cannot reach {flow.target.owner} "
                f"({flow.target.namespace}) on port {flow.port}: {flow.why} is not admitted by the NetworkPolicies"
            )
    return sorted(set(problems))


# ------------------------------------------------------------------------------------------ pod security


def _pod_level_problems(owner: str, spec: dict[str, Any], level: str) -> list[str]:
    """The Pod Security Standard checks of ``level`` on a pod spec (or on an operator's override of one)."""
    problems: list[str] = []
    pod_sc = spec.get("securityContext") or {}
    containers = [*spec.get("initContainers", []), *spec.get("containers", [])]
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(flag):
            problems.append(f"{owner}: {flag} is not allowed at {level}")
    for volume in spec.get("volumes", []):
        if "hostPath" in volume:
            problems.append(f"{owner}: hostPath volume {volume.get('name')} is not allowed at {level}")
        elif level == "restricted" and not (set(volume) - {"name"}) <= _RESTRICTED_VOLUMES:
            problems.append(f"{owner}: volume {volume.get('name')} is of a type restricted does not allow")
    if (pod_sc.get("seccompProfile") or {}).get("type") == "Unconfined":
        problems.append(f"{owner}: seccomp Unconfined is not allowed at {level}")
    for sysctl in pod_sc.get("sysctls", []):
        if sysctl.get("name") not in _SAFE_SYSCTLS:
            problems.append(f"{owner}: sysctl {sysctl.get('name')} is not allowed at {level}")
    for container in containers:
        where = f"{owner} container {container.get('name')}"
        sc = container.get("securityContext") or {}
        if sc.get("privileged"):
            problems.append(f"{where}: privileged is not allowed at {level}")
        added = set((sc.get("capabilities") or {}).get("add", []))
        if added - _BASELINE_CAPS:
            problems.append(
                f"{where}: capabilities {sorted(added - _BASELINE_CAPS)} are not allowed at {level}"
            )
        if any(p.get("hostPort") for p in container.get("ports", [])):
            problems.append(f"{where}: hostPort is not allowed at {level}")
        if sc.get("procMount", "Default") != "Default":
            problems.append(f"{where}: procMount {sc['procMount']} is not allowed at {level}")
        if (sc.get("seccompProfile") or {}).get("type") == "Unconfined":
            problems.append(f"{where}: seccomp Unconfined is not allowed at {level}")
        if level != "restricted":
            continue
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: restricted needs allowPrivilegeEscalation: false")
        if sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is not True:
            problems.append(f"{where}: restricted needs runAsNonRoot: true")
        if sc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
            problems.append(f"{where}: restricted does not allow runAsUser 0")
        seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{where}: restricted needs seccompProfile RuntimeDefault or Localhost")
        caps = sc.get("capabilities") or {}
        if "ALL" not in caps.get("drop", []):
            problems.append(f"{where}: restricted needs capabilities.drop [ALL]")
        if set(caps.get("add", [])) - {"NET_BIND_SERVICE"}:
            problems.append(f"{where}: restricted allows adding NET_BIND_SERVICE alone")
    return problems


def _operator_overrides(doc: Doc) -> list[tuple[str, dict[str, Any]]]:
    """The pod specs (or the parts of one) an operator object lays over the pods it makes."""
    spec = doc.get("spec") or {}
    kind = doc.get("kind")
    if kind == "RabbitmqCluster":
        template = (((spec.get("override") or {}).get("statefulSet") or {}).get("spec") or {}).get(
            "template"
        ) or {}
        return [(f"{_name(doc)} override", template.get("spec") or {})]
    if kind == "Tenant":
        result = []
        for pool in spec.get("pools", []):
            result.append(
                (
                    f"{_name(doc)} pool {pool.get('name')}",
                    {
                        "securityContext": pool.get("securityContext") or {},
                        "containers": [
                            {"name": "minio", "securityContext": pool.get("containerSecurityContext") or {}}
                        ],
                    },
                )
            )
        return result
    if kind == "Redis":  # v1beta2: podSecurityContext for the pod, securityContext for the redis container
        return [
            (
                _name(doc),
                {
                    "securityContext": spec.get("podSecurityContext") or {},
                    "containers": [{"name": "redis", "securityContext": spec.get("securityContext") or {}}],
                },
            )
        ]
    return []


def pod_security_problems(docs: list[Doc]) -> list[str]:
    ns_labels = namespaces(docs)
    problems: list[str] = []
    for doc in docs:
        ns = _ns(doc)
        if not ns:
            continue
        enforced = ns_labels.get(ns, {}).get("pod-security.kubernetes.io/enforce", "privileged")
        if ns not in {d["metadata"]["name"] for d in docs if d.get("kind") == "Namespace"}:
            problems.append(
                f"{_name(doc)}: namespace {ns} is not rendered, its Pod Security level is unknown"
            )
            continue
        spec = pod_spec(doc)
        if spec is not None:
            problems += _pod_level_problems(_name(doc), spec, enforced)
            continue
        supported = OPERATOR_LEVEL.get(doc.get("kind", ""))
        if supported is None:
            continue
        if LEVELS[enforced] > LEVELS[supported]:
            problems.append(
                f"{_name(doc)}: its operator's pods meet Pod Security {supported!r}, namespace {ns} enforces "
                f"{enforced!r}: they would be refused"
            )
        for owner, override in _operator_overrides(doc):
            problems += _pod_level_problems(owner, override, enforced)
    return sorted(set(problems))


# ---------------------------------------------------------------------------------------------- TLS CA


def ca_problems(docs: list[Doc]) -> list[str]:
    """A pod reaching S3 over TLS at an in-cluster tenant whose certificate the cluster CA signed must
    trust that CA: LP_S3_CA_FILE names a file on a volume made from kube-root-ca.crt."""
    cfg = config(docs)
    _, services = operator_pods(docs)
    tenants = {
        (_ns(d), "minio"): bool((d.get("spec") or {}).get("requestAutoCert"))
        for d in docs
        if d.get("kind") == "Tenant"
    }
    problems = []
    for doc, pods in workload_pods(docs):
        spec = pod_spec(doc)
        assert spec is not None
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for container in spec["containers"]:
            env = container_env(container, cfg)
            ca_file = env.get("LP_S3_CA_FILE", "")
            mounted = None
            if ca_file:
                for mount in container.get("volumeMounts", []):
                    path = mount["mountPath"].rstrip("/")
                    if ca_file == path or ca_file.startswith(path + "/"):
                        mounted = volumes.get(mount["name"])
                if mounted is None:
                    problems.append(
                        f"{pods.owner}: LP_S3_CA_FILE {ca_file} is on no mounted volume (the "
                        "settings refuse to start)"
                    )
            if "LP_S3_ACCESS_KEY" not in env or env.get("LP_S3_SECURE") != "true":
                continue
            host = env.get("LP_S3_ENDPOINT", "").partition(":")[0]
            service = _resolve(host, pods.namespace, services)
            key = next((k for k, s in services.items() if s is service), None)
            if service is None or not tenants.get(key):  # type: ignore[arg-type]
                continue
            source = (mounted or {}).get("configMap", {}).get("name")
            if not ca_file:
                problems.append(
                    f"{pods.owner}: S3 at {host} is TLS with a certificate the cluster CA signed "
                    "(requestAutoCert), but LP_S3_CA_FILE is not set: the client trusts certifi alone"
                )
            elif mounted is not None and source != "kube-root-ca.crt":
                problems.append(f"{pods.owner}: LP_S3_CA_FILE must come from the kube-root-ca.crt ConfigMap")
    return sorted(set(problems))


# ------------------------------------------------------------------------------------------------ budget


def connections_per_process(pool_size: int) -> int:
    """As kit.db.Database sizes its pool: pool_size + max_overflow."""
    return pool_size + max(2, pool_size // 2)


def relay_connections() -> int:
    """The connections a worker's relay opens beside the Database pool: its own pool (max_in_flight + 1)
    and the LISTEN connection."""
    import inspect

    from kit.bus.relay import OutboxRelay

    return int(inspect.signature(OutboxRelay.__init__).parameters["max_in_flight"].default) + 2


def _int_env(doc: Doc, name: str) -> int | None:
    for container in doc["spec"]["template"]["spec"]["containers"]:
        for item in container.get("env", []):
            if item["name"] == name and "value" in item:
                return int(item["value"])
    return None


def budget_problems(
    app: list[Doc], infra: list[Doc], variant: str, services: Iterable[str], budget_file: Path = BUDGET
) -> list[str]:
    budget = (yaml.safe_load(budget_file.read_text(encoding="utf-8")) or {}).get(variant)
    if not budget:
        return [f"{budget_file.name}: no budget for {variant}"]
    problems: list[str] = []
    index = {(d["kind"], d["metadata"]["name"]): d for d in [*app, *infra]}
    pg = budget["postgres"]
    per_api = connections_per_process(budget["api"]["db_pool_size"])
    relay = relay_connections()
    if budget["worker"].get("relay_connections") != relay:
        problems.append(
            f"{budget_file.name} ({variant}): worker.relay_connections must be {relay} (the relay's pool "
            "of max_in_flight + 1 and its LISTEN connection)"
        )
    per_worker = connections_per_process(budget["worker"]["db_pool_size"]) + relay
    for name in services:
        api, worker = index.get(("Deployment", name)), index.get(("Deployment", f"{name}-worker"))
        for doc, part in ((api, "api"), (worker, "worker")):
            if doc is None:
                continue
            size = _int_env(doc, "LP_DB_POOL_SIZE")
            if size != budget[part]["db_pool_size"]:
                problems.append(
                    f"{_name(doc)}: LP_DB_POOL_SIZE {size} is not the budget's {budget[part]['db_pool_size']}"
                )
        hpa = index.get(("HorizontalPodAutoscaler", name))
        if hpa is not None and hpa["spec"]["maxReplicas"] != budget["api"]["max_replicas"]:
            problems.append(
                f"HorizontalPodAutoscaler/{name}: maxReplicas {hpa['spec']['maxReplicas']} is not the "
                f"budget's {budget['api']['max_replicas']}"
            )
        scaled = index.get(("ScaledObject", f"{name}-worker"))
        if scaled is not None and scaled["spec"].get("maxReplicaCount") != budget["worker"]["max_replicas"]:
            problems.append(
                f"ScaledObject/{name}-worker: maxReplicaCount {scaled['spec'].get('maxReplicaCount')} "
                f"is not the budget's {budget['worker']['max_replicas']}"
            )
    clusters = [d for d in infra if d.get("kind") == "Cluster" and "cnpg" in d.get("apiVersion", "")]
    for cluster in clusters:
        value = ((cluster["spec"].get("postgresql") or {}).get("parameters") or {}).get("max_connections")
        if value is None or int(value) != pg["max_connections"]:
            problems.append(
                f"{_name(cluster)}: max_connections {value} is not the budget's {pg['max_connections']} "
                "(PostgreSQL's default is 100)"
            )
    migrate = budget["migrate"]["connections"]
    if "poolers" not in budget:
        demand = pg.get("services", 1) * (
            budget["api"]["max_replicas"] * per_api + budget["worker"]["max_replicas"] * per_worker + migrate
        )
        if demand + pg["reserved"] > pg["max_connections"]:
            problems.append(
                f"{variant}: {demand} connections at the autoscalers' maxima + {pg['reserved']} reserved "
                f"exceed max_connections {pg['max_connections']}"
            )
        return problems
    poolers = budget["poolers"]
    server = sum(p["instances"] * p["default_pool_size"] for p in poolers.values())
    if server + pg["reserved"] > pg["max_connections"]:
        problems.append(
            f"{variant}: the Poolers may open {server} server connections + {pg['reserved']} reserved, "
            f"over max_connections {pg['max_connections']}"
        )
    tx, session = poolers["transaction"], poolers["session"]
    api_clients = budget["api"]["max_replicas"] * per_api
    if api_clients > tx["max_client_conn"]:
        problems.append(
            f"{variant}: {api_clients} HTTP-pod connections exceed the transaction Pooler's "
            f"max_client_conn {tx['max_client_conn']}"
        )
    session_clients = budget["worker"]["max_replicas"] * per_worker + migrate
    # Session mode pins one server connection per client, and all clients may land on one instance.
    if session_clients > min(session["default_pool_size"], session["max_client_conn"]):
        problems.append(
            f"{variant}: {session_clients} worker and migration connections exceed the session "
            f"Pooler's default_pool_size {session['default_pool_size']}"
        )
    for name in services:
        for mode, wanted in (("transaction", tx), ("session", session)):
            pooler = next(
                (
                    d
                    for d in infra
                    if d.get("kind") == "Pooler"
                    and d["spec"]["cluster"]["name"] == f"lp-pg-{name}"
                    and d["spec"].get("pgbouncer", {}).get("poolMode") == mode
                ),
                None,
            )
            if pooler is None:
                problems.append(f"lp-pg-{name}: no {mode}-mode Pooler")
                continue
            params = pooler["spec"]["pgbouncer"].get("parameters") or {}
            if pooler["spec"].get("instances") != wanted["instances"]:
                problems.append(f"{_name(pooler)}: instances is not the budget's {wanted['instances']}")
            for key in ("default_pool_size", "max_client_conn"):
                if int(params.get(key, -1)) != wanted[key]:
                    problems.append(
                        f"{_name(pooler)}: {key} {params.get(key)} is not the budget's {wanted[key]}"
                    )
    return problems


# ------------------------------------------------------------------------------------------------ scaling


def scaling_problems(docs: list[Doc]) -> list[str]:
    problems = []
    targets: dict[str, str] = {}
    for doc in docs:
        if doc.get("kind") == "HorizontalPodAutoscaler":
            ref = doc["spec"]["scaleTargetRef"]
            if ref.get("kind") == "Deployment":
                targets.setdefault(ref["name"], _name(doc))
        elif doc.get("kind") == "ScaledObject":
            ref = doc["spec"]["scaleTargetRef"]
            if ref["name"] in targets:
                problems.append(
                    f"Deployment/{ref['name']}: scaled by {targets[ref['name']]} and {_name(doc)}"
                )
            targets[ref["name"]] = _name(doc)
            triggers = {t.get("type") for t in doc["spec"].get("triggers", [])}
            if not triggers & {"rabbitmq", "prometheus"}:
                problems.append(
                    f"{_name(doc)}: needs a rabbitmq or prometheus trigger (queue depth, backlog)"
                )
    for doc in docs:
        if doc.get("kind") != "Deployment":
            continue
        name = doc["metadata"]["name"]
        if name in targets and "replicas" in doc["spec"]:
            problems.append(
                f"{_name(doc)}: sets spec.replicas although {targets[name]} scales it (every apply "
                "would reset the autoscaler's count)"
            )
        component = doc["spec"]["template"]["metadata"].get("labels", {}).get("app.kubernetes.io/component")
        if component == "worker" and not targets.get(name, "").startswith("ScaledObject/"):
            problems.append(f"{_name(doc)}: a worker scales on its queue depth: needs a KEDA ScaledObject")
        if component == "api" and not targets.get(name, "").startswith("HorizontalPodAutoscaler/"):
            problems.append(
                f"{_name(doc)}: an HTTP Deployment scales on CPU: needs a HorizontalPodAutoscaler"
            )
    return problems


# --------------------------------------------------------------------------------------------- monitoring


def metric_families() -> set[str]:
    from kit import metrics
    from prometheus_client.metrics import MetricWrapperBase

    return {
        family.name
        for value in vars(metrics).values()
        if isinstance(value, MetricWrapperBase)
        for family in value.describe()
    }


REQUIRED_ALERTS = (
    "LpErrorBudgetBurnFast",
    "LpErrorBudgetBurnSlow",
    "LpLatencyBudgetBurnFast",
    "LpLatencyBudgetBurnSlow",
    "LpOutboxBacklog",
    "LpOutboxOldestUnsent",
    "LpConsumerLag",
    "LpDeadLetters",
    "LpQueueWithoutConsumers",
    "LpCertificateExpiryPollerStalled",
    "LpBackupFailed",
)


def alert_rules(docs: Iterable[Doc]) -> list[dict[str, Any]]:
    return [
        rule
        for doc in docs
        if doc.get("kind") == "PrometheusRule"
        for group in doc["spec"].get("groups", [])
        for rule in group.get("rules", [])
        if "alert" in rule
    ]


def monitoring_problems(docs: list[Doc], readme: str | None = None) -> list[str]:
    problems = []
    rules = alert_rules(docs)
    names = {r["alert"] for r in rules}
    for alert in REQUIRED_ALERTS:
        if alert not in names:
            problems.append(f"PrometheusRule: no alert {alert}")
    expressions = " ".join(str(r.get("expr", "")) for r in rules)
    for family in sorted(metric_families()):
        if not re.search(rf"\b{re.escape(family)}(_total|_bucket|_count|_sum)?\b", expressions):
            problems.append(f"PrometheusRule: no alert watches the metric family {family} (kit.metrics)")
    readme = readme if readme is not None else (REPO / "deploy" / "README.md").read_text(encoding="utf-8")
    for alert in sorted(names):
        if alert not in readme:
            problems.append(f"deploy/README.md does not say what alert {alert} means")
    monitors = [d for d in docs if d.get("kind") in ("PodMonitor", "ServiceMonitor")]
    for doc, pods in workload_pods(docs):
        if doc["kind"] != "Deployment":
            continue
        if doc["spec"]["template"]["metadata"].get("annotations", {}).get("prometheus.io/scrape"):
            problems.append(f"{pods.owner}: scrape annotations are not used; a PodMonitor picks the pod")
        picked = [
            m
            for m in monitors
            if m["kind"] == "PodMonitor"
            and _ns(m) == pods.namespace
            and selects(m["spec"].get("selector"), pods.labels)
        ]
        if not picked:
            problems.append(f"{pods.owner}: no PodMonitor picks its pods, Prometheus does not scrape it")
        for monitor in picked:
            for endpoint in monitor["spec"].get("podMetricsEndpoints", []):
                if endpoint.get("port") not in pods.ports:
                    problems.append(
                        f"{_name(monitor)}: port {endpoint.get('port')!r} is not a port of {pods.owner}"
                    )
    return problems


def consumers() -> list[str]:
    """The services that consume events (their runtime is given handlers)."""
    return sorted(
        path.parent.name
        for path in (REPO / "services").glob("*/src/*/main.py")
        if "handlers=" in path.read_text(encoding="utf-8")
    )


def policy_problems(policies: list[dict[str, Any]], where: str, namespace: str = "lp") -> list[str]:
    """Each consumer queue needs the policy kit.bus.topology defines (delivery limit, dead-lettering):
    the queues no longer carry them as arguments."""
    from kit.bus.topology import consumer_policy

    by_pattern = {p.get("pattern"): p for p in policies}
    problems = []
    for consumer in consumers():
        wanted = consumer_policy(namespace, consumer)
        found = by_pattern.get(wanted["pattern"])
        if found is None:
            problems.append(
                f"{where}: no policy for the queue {namespace}.{consumer} (pattern {wanted['pattern']}): "
                "a failing message would never reach its dead-letter queue"
            )
            continue
        definition = found.get("definition") or {}
        for key in ("dead-letter-exchange", "dead-letter-routing-key"):
            if definition.get(key) != wanted["definition"][key]:
                problems.append(
                    f"{where}: policy {found.get('name')}: {key} must be {wanted['definition'][key]}"
                )
        if not isinstance(definition.get("delivery-limit"), int) or definition["delivery-limit"] < 1:
            problems.append(f"{where}: policy {found.get('name')}: needs a delivery-limit")
        if found.get("applyTo", found.get("apply-to")) not in ("queues", "quorum_queues", "all"):
            problems.append(f"{where}: policy {found.get('name')}: must apply to queues")
    return problems


def operator_policy_problems(infra: list[Doc]) -> list[str]:
    policies = [
        d["spec"] for d in infra if d.get("kind") == "Policy" and "rabbitmq.com" in d.get("apiVersion", "")
    ]
    return policy_problems(policies, "RabbitMQ Policy objects")


def _has_limits(resources: dict[str, Any] | None) -> bool:
    resources = resources or {}
    return all(r in (resources.get(part) or {}) for part in ("requests", "limits") for r in ("cpu", "memory"))


def store_problems(infra: list[Doc]) -> list[str]:
    """Every data store declares its resources and is watched; every PostgreSQL cluster is backed up."""
    problems = []
    monitors = [d for d in infra if d.get("kind") == "PodMonitor"]
    store_pods, _ = operator_pods(infra)
    for doc in infra:
        kind, spec = doc.get("kind"), doc.get("spec") or {}
        if kind == "Cluster" and "cnpg" in doc.get("apiVersion", ""):
            resources = spec.get("resources")
        elif kind == "Pooler":
            containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or [{}]
            resources = containers[0].get("resources")
        elif kind == "RabbitmqCluster":
            resources = spec.get("resources")
        elif kind == "Redis":
            resources = (spec.get("kubernetesConfig") or {}).get("resources")
        elif kind == "Tenant":
            pools = spec.get("pools") or [{}]
            resources = (
                pools[0].get("resources") if all(_has_limits(p.get("resources")) for p in pools) else None
            )
        else:
            continue
        if not _has_limits(resources):
            problems.append(f"{_name(doc)}: declares no cpu and memory requests and limits")
    for group in store_pods:
        doc = next(d for d in infra if _name(d) == group.owner)
        if group.kind in ("Cluster", "Pooler"):
            watched = bool(((doc.get("spec") or {}).get("monitoring") or {}).get("enablePodMonitor"))
        else:
            watched = any(
                _ns(m) == group.namespace and selects(m["spec"].get("selector"), group.labels)
                for m in monitors
            )
        if not watched:
            problems.append(f"{group.owner}: no PodMonitor scrapes it")
        if group.kind == "Cluster" and doc["spec"].get("instances", 1) > 1:
            name = doc["metadata"]["name"]
            if not (doc["spec"].get("backup") or {}).get("barmanObjectStore"):
                problems.append(f"{group.owner}: no backup object store (WAL archive)")
            if not any(
                d.get("kind") == "ScheduledBackup" and d["spec"]["cluster"]["name"] == name for d in infra
            ):
                problems.append(f"{group.owner}: no ScheduledBackup")
    return problems


def cluster_problems(app: list[Doc], infra: list[Doc], variant: str, services: Iterable[str]) -> list[str]:
    docs = [*app, *infra]
    return [
        *operator_policy_problems(infra),
        *store_problems(infra),
        *network_problems(docs),
        *pod_security_problems(docs),
        *ca_problems(docs),
        *budget_problems(app, infra, variant, services),
        *scaling_problems(app),
        *monitoring_problems(docs),
    ]
