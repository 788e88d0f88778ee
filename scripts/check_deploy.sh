#!/usr/bin/env bash
# Static checks of deploy/, the Dockerfiles and docker-compose.yml (no Docker, no cluster needed):
# kustomize render + Kubernetes schema validation, platform rules, hadolint, compose specification,
# Grafana dashboards. The checks themselves live in scripts/check_deploy.py; tests/deploy runs them too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# -P: scripts/ must not shadow the standard library (the local runner used to be scripts/platform.py).
exec uv run python -P scripts/check_deploy.py "$@"
