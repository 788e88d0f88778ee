# syntax=docker/dockerfile:1.7
# Every service's image, from this one file (the gateway's, gateway/Dockerfile, adds the portal's build).
# Build context is the repository root, because the image installs the workspace packages kit and
# contracts next to the service:
#   docker build -f build/service.Dockerfile --build-arg SERVICE=auth --build-arg PORT=8001 -t lp-platform/auth .
# certificate also passes --build-arg APT_PACKAGES=fonts-wqy-zenhei (the CJK font reportlab embeds).
# One image serves the HTTP pods (uvicorn), the worker pods (`python -m <service>.worker`) and the
# migration job (`python -m kit.migrations <service>`); Kubernetes and compose pick the command.

# Base images by digest (deploy/README.md, "Images": verify them at install).
FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7 AS build
ARG SERVICE
# uv from PyPI, pinned by version and by the hashes of its wheels (build/uv-requirements.txt).
COPY build/uv-requirements.txt /tmp/uv-requirements.txt
RUN pip install --no-cache-dir --require-hashes -r /tmp/uv-requirements.txt
# Bytecode is compiled at build time (dependencies by uv, our sources by compileall) because the
# container's root filesystem is read-only at run time.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# Third-party dependencies first, from the lock alone: this layer survives any edit of our own source.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package "lp-${SERVICE}"
# The workspace packages keep the repository layout, so alembic.ini and migrations/ stay where
# `python -m kit.migrations <service>` looks for them.
COPY libs/kit libs/kit
COPY libs/contracts libs/contracts
COPY services/${SERVICE} services/${SERVICE}
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package "lp-${SERVICE}" \
 && /app/.venv/bin/python -m compileall -q libs "services/${SERVICE}/src"

FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7 AS runtime
ARG SERVICE
ARG PORT
ARG APT_PACKAGES=""
# Debian security updates replace package versions inside a release, so an exact pin would break the
# build; the base image's digest fixes the Debian release instead.
# hadolint ignore=DL3008,SC2086
RUN if [ -n "${APT_PACKAGES}" ]; then \
      apt-get update \
   && apt-get install -y --no-install-recommends ${APT_PACKAGES} \
   && rm -rf /var/lib/apt/lists/*; \
    fi
# A fixed numeric uid/gid so Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
RUN groupadd --system --gid 10001 lp \
 && useradd --system --uid 10001 --gid lp --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin lp
WORKDIR /app
# Files stay root-owned: the service user can read and run them, never change them.
COPY --from=build /app /app
ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    SERVICE_MODULE=${SERVICE} \
    SERVICE_PORT=${PORT}
USER 10001:10001
EXPOSE ${PORT}
# Kubernetes and compose give the command; this one serves HTTP when the image is run bare. One uvicorn
# worker per container: capacity is more replicas (deploy/README.md, "One uvicorn worker per process").
CMD ["sh", "-c", "exec uvicorn --factory \"${SERVICE_MODULE}.main:create_app\" --host 0.0.0.0 --port \"${SERVICE_PORT}\""]
