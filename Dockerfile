# syntax=docker/dockerfile:1
# dfdg-broker: one image, commands as arguments (the entrypoint is `dfdg-broker`):
#   docker run IMAGE                 -> `dfdg-broker serve`   the broker (production settings by default)
#   docker run IMAGE migrate         -> migrations; safe to run from several replicas at once (advisory lock)
#   docker run IMAGE sweep           -> the scheduled work, for a CronJob (idempotent)
#   docker run IMAGE --version       -> version, git revision, schema revision
# The mock upstream is not in this image: build the test image with `--build-arg EXTRAS=mock` (see compose.yaml).
#
#   docker build --build-arg GIT_REVISION=$(git rev-parse --short=12 HEAD) -t dfdg-broker .
#   docker run -e DFDG_DATABASE_URL=postgresql+asyncpg://dfdg:…@db:5432/dfdg -e DFDG_OIDC_ISSUER=https://login… \
#              -e DFDG_CPR_LOOKUP_KEY_FILE=/run/secrets/cpr_lookup_key -e DFDG_UPSTREAM_BASE_URL=https://… \
#              -p 8000:8000 dfdg-broker
# The mock (test image only) runs with DFDG_ENVIRONMENT=development: `docker run -e DFDG_ENVIRONMENT=development
#   IMAGE-with-mock mock`.
#
# Build status (2026-11-25): NOT built here. The development machines have a Docker client but no engine, so
# nothing below was run by Docker. What was verified instead, outside a container: hadolint (from PyPI, part of
# `make lint`) passes this file; `pip install .` of the project; and tests/e2e/test_deployment_commands.py runs
# the image's commands (`migrate` three times at once, then `serve` until /readyz answers, `--version`, the
# fail-fast start-up) against a fresh PostgreSQL database.
# Not verified: the base image tag below exists with this exact patch release (pin its digest when you first
# pull it: `docker buildx imagetools inspect python:3.11.14-slim-bookworm`), the HEALTHCHECK under Docker, and
# file ownership in the final layer.

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
# Only the project's own wheel is built here; its dependencies are installed from PyPI in the final stage.
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
ARG EXTRAS=""
ARG VERSION=0.1.0
ARG GIT_REVISION=""
LABEL org.opencontainers.image.title="dfdg-broker" \
      org.opencontainers.image.description="Broker between municipal case systems and LetAsyl/Jobnet (DFDG)" \
      org.opencontainers.image.licenses="MPL-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${GIT_REVISION}" \
      org.opencontainers.image.base.name="${PYTHON_IMAGE}"
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DFDG_ENVIRONMENT=production DFDG_LOG_FORMAT=json \
    DFDG_HOST=0.0.0.0 DFDG_PORT=8000 DFDG_MOCK_HOST=0.0.0.0 DFDG_MOCK_PORT=8001 \
    DFDG_ALEMBIC_INI=/app/alembic.ini DFDG_GIT_REVISION=${GIT_REVISION}
RUN groupadd --system --gid 10001 dfdg \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin dfdg
WORKDIR /app
# The wheel is bind-mounted from the build stage for this one step: it never becomes a layer of the image.
# requirements.lock pins every dependency to the versions CI tested (a constraints file: see `make lock`).
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    --mount=type=bind,source=requirements.lock,target=/tmp/requirements.lock \
    pip install --no-cache-dir -c /tmp/requirements.lock "$(ls /wheels/dfdg_broker-*.whl)${EXTRAS:+[$EXTRAS]}"
COPY alembic.ini ./
COPY migrations ./migrations
USER 10001:10001
EXPOSE 8000
# The configured port (DFDG_PORT), /livez: restart a stuck process only; /readyz is for the load balancer.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os,urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/livez' % os.environ.get('DFDG_PORT', '8000'), timeout=2)"]
ENTRYPOINT ["dfdg-broker"]
CMD ["serve"]
