# dfdg-broker: one image, two processes (`dfdg-broker serve` for the broker, `dfdg-broker mock` for the mock
# upstream in test environments).
#
# Build status: this file was NOT built here (the development machines have a Docker client but no engine).
# It was checked by reading only. What was verified on the machine, outside Docker: `pip install .` of this
# project, `dfdg-broker migrate` against SQLite and PostgreSQL, and `dfdg-broker serve` / `mock`.
#
#   docker build -t dfdg-broker .
#   docker run -e DFDG_ENVIRONMENT=production -e DFDG_DATABASE_URL=postgresql+asyncpg://... \
#              -e DFDG_JWT_SECRET=... -e DFDG_CPR_LOOKUP_KEY=... -e DFDG_UPSTREAM_BASE_URL=... -p 8000:8000 dfdg-broker

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DFDG_HOST=0.0.0.0 DFDG_PORT=8000 DFDG_MOCK_HOST=0.0.0.0 DFDG_MOCK_PORT=8001 \
    DFDG_ALEMBIC_INI=/app/alembic.ini
RUN useradd --system --uid 10001 --home /app dfdg && mkdir -p /app/data && chown dfdg /app/data
WORKDIR /app
# The embedded default, on a volume the service user can write; production sets a PostgreSQL URL instead.
ENV DFDG_DATABASE_URL=sqlite+aiosqlite:////app/data/dfdg.db
VOLUME /app/data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY alembic.ini ./
COPY migrations ./migrations
USER dfdg
EXPOSE 8000 8001
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1
# Migrate, then serve. For the mock upstream run `dfdg-broker mock` and point the health check at port 8001.
CMD ["sh", "-c", "dfdg-broker migrate && exec dfdg-broker serve"]
