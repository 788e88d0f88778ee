# 质量分级及“领跑者”管理信息平台 — the two commands a new machine needs: `make up` and `make test`.
SHELL := /bin/bash
UV ?= uv
APT_PACKAGES := fonts-wqy-zenhei poppler-utils zbar-tools chromium wrk

.PHONY: setup system-packages python-packages portal portal-contract up down status test test-fast lint bench deploy-check audit-verify faults-full clean

setup: system-packages python-packages portal

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

python-packages:
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install -q uv
	@echo "Installing Python packages (uv sync --frozen, compiled to bytecode)"
	@# Bytecode written once here: with PYTHONDONTWRITEBYTECODE set (as on these machines) every process
	@# otherwise compiles every module it imports, about 9 s of CPU per service start.
	@$(UV) sync --frozen --quiet --compile-bytecode
	@$(UV) run --frozen python -m compileall -q -j 0 libs services gateway/src scripts >/dev/null

portal:
	@if [ -f gateway/web/package.json ]; then \
	  echo "Building the portal (npm ci && npm run build)"; \
	  cd gateway/web && npm ci --no-audit --no-fund --silent && npm run build --silent >/dev/null; \
	fi

up: setup
	@$(UV) run --frozen python scripts/runner.py up

down:
	@$(UV) run --frozen python scripts/runner.py down

status:
	@$(UV) run --frozen python scripts/runner.py status

# The portal's API types and labels, generated from the services' OpenAPI documents and PUBLIC_ENUMS
# (gateway/web/src/api/generated); lint fails when they are stale. Needs gateway/web/node_modules (npm ci).
portal-contract:
	@$(UV) run --frozen python scripts/gen_portal_contract.py

MYPY_PACKAGES = kit contracts auth benchmark declaration certificate mall notify gateway

lint:
	@echo "Lint: ruff (check and format), mypy, import rule (services never import each other), error catalogue, portal contract"
	@$(UV) run --frozen ruff check .
	@$(UV) run --frozen ruff format --check .
	@$(UV) run --frozen mypy $(addprefix -p ,$(MYPY_PACKAGES))
	@$(UV) run --frozen lint-imports
	@$(UV) run --frozen python scripts/error_catalogue.py --check
	@$(UV) run --frozen python scripts/gen_portal_contract.py --check

# The audit hash chains of every service, read straight from the databases (the local runner's by default;
# see scripts/audit_verify.py for other databases and for checking against the published heads).
audit-verify: python-packages
	@$(UV) run --frozen python scripts/audit_verify.py $(AUDIT_VERIFY_ARGS)

deploy-check:
	@bash scripts/check_deploy.sh

# The whole suite: unit, service (real PostgreSQL, RabbitMQ, Redis, S3), end-to-end through the gateway,
# browser journeys in headless Chromium, deployment checks, and the bounded fault, fuzz and access suites.
test: setup lint
	@echo "Tests: pytest (unit, integration, e2e, browser, deploy, bounded faults)"
	@$(UV) run --frozen python scripts/purge_test_queues.py
	@echo "Portal unit tests (vitest)"
	@cd gateway/web && npm test --silent
	@$(UV) run --frozen pytest -q -p no:randomly

test-fast: python-packages
	@$(UV) run --frozen pytest -q -m "not e2e and not browser and not faults"

faults-full: setup
	@LP_FAULTS_FULL=1 $(UV) run --frozen pytest -q tests/faults

bench: setup
	@$(UV) run --frozen python bench/run_all.py

clean: down
	rm -rf var
