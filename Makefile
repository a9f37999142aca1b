# Two commands on a fresh machine (only Python 3.11+ needed): `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

# The embedded default database; override with e.g. DFDG_DATABASE_URL=postgresql+asyncpg://...
export DFDG_DATABASE_URL ?= sqlite+aiosqlite:///./dfdg.db

.PHONY: install run test lint openapi settings-table bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,mock]'
	touch $@

install: $(INSTALLED)

## Migrate the database, start the mock upstream (:8001, also the identity provider) and the broker (:8000), seed
## the demo cases. The service defaults to production; these targets say development (or test) explicitly.
run: export DFDG_ENVIRONMENT ?= development
run: install
	$(BIN)/dfdg-broker migrate
	$(BIN)/dfdg-broker dev

## The whole suite; DFDG_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/dfdg_test for PostgreSQL.
test: export DFDG_ENVIRONMENT ?= test
test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check src tests migrations bench
	$(BIN)/ruff format --check src tests migrations bench
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

## Re-export the committed OpenAPI documents after an API change (and the README's settings table).
openapi: export DFDG_ENVIRONMENT ?= development
openapi: install settings-table
	$(BIN)/dfdg-broker export-openapi

## Rewrite the README's settings table from src/dfdg_broker/settings.py (a test fails when they drift).
settings-table: install
	$(BIN)/dfdg-broker settings-table

clean:
	rm -rf $(VENV) dfdg.db dfdg.db-shm dfdg.db-wal .pytest_cache .ruff_cache .mypy_cache .hypothesis

## Benchmarks (bounded, in-process, one core): requests per second on the hot paths.
bench: export DFDG_ENVIRONMENT ?= test
bench: install
	$(BIN)/python bench/bench_reads.py
	$(BIN)/python bench/bench_cv.py
