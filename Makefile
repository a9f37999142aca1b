# Two commands on a fresh machine (only Python 3.11+ needed): `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
LOCK := requirements.lock

# The embedded default database; override with e.g. DFDG_DATABASE_URL=postgresql+asyncpg://...
export DFDG_DATABASE_URL ?= sqlite+aiosqlite:///./dfdg.db

.PHONY: install run test lint openapi settings-table lock lock-upgrade bench bench-scale clean wheel-check

# requirements.lock is a constraints file: it pins every package it names, and a dependency added to pyproject.toml
# without re-locking still installs (unpinned) instead of breaking the build. Re-lock with `make lock`.
$(INSTALLED): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[dev,mock]'
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
	$(BIN)/lint-imports
	$(BIN)/hadolint Dockerfile

## Re-export the committed OpenAPI documents after an API change (and the README's settings table).
openapi: export DFDG_ENVIRONMENT ?= development
openapi: install settings-table
	$(BIN)/dfdg-broker export-openapi

## Rewrite the README's settings table from src/dfdg_broker/settings.py (a test fails when they drift).
settings-table: install
	$(BIN)/dfdg-broker settings-table

## Pin every dependency (runtime, dev, mock) of pyproject.toml in requirements.lock (pip-tools). Pins already in the
## lock are kept (what CI tested); only new or changed requirements are resolved. `make lock-upgrade` moves them all
## to the newest versions pyproject.toml allows.
LOCK_COMPILE = $(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
	--extra dev --extra mock --output-file $(LOCK) pyproject.toml
lock: install
	$(LOCK_COMPILE)

lock-upgrade: install
	$(LOCK_COMPILE) --upgrade

## Build the wheel, install it with the [mock] extra into a new virtualenv, and run `dfdg-broker mock --port N` and
## the pytest plugin from that install (what a vendor's CI does; about a minute, so not in `make test`).
wheel-check: export DFDG_ENVIRONMENT ?= test
wheel-check: install
	DFDG_WHEEL_INSTALL_TEST=1 $(BIN)/pytest tests/e2e/test_wheel.py -q -p no:randomly

clean:
	rm -rf $(VENV) dfdg.db dfdg.db-shm dfdg.db-wal .pytest_cache .ruff_cache .mypy_cache .hypothesis

## Benchmarks, at most 3 minutes in all (each step has its own time limit; they add up to 180 s): the hot paths
## over HTTP with wrk, as ratios of a bare FastAPI app measured in the same interleaved run (SQLite; also PostgreSQL
## with DFDG_BENCH_DATABASE_URL=postgresql+asyncpg://.../dfdg_bench, which is dropped and recreated), then in-process:
## the Jobnet CV normaliser on one core, token verification, and a worklist page at 1,000 and 100,000 cases.
## wrk comes from Debian's packages and is installed if missing.
bench: export DFDG_ENVIRONMENT ?= test
bench: install
	@command -v wrk >/dev/null || apt-get install -y -q wrk || (apt-get update -q && apt-get install -y -q wrk) \
		|| { echo "make bench needs wrk (Debian: apt-get install wrk)"; exit 1; }
	timeout 115 $(BIN)/python bench/bench_http.py --deadline 100
	timeout 10 $(BIN)/python bench/bench_cv.py
	timeout 15 $(BIN)/python bench/bench_auth.py --tokens 2000
	timeout 40 $(BIN)/python bench/bench_worklist.py --sizes 1000 100000 --reads 20

## The reads on a database with 100,000 more cases beside the same reads on the small one, in the same rounds (issue
## 14: at most 1.2 x slower). With DFDG_BENCH_DATABASE_URL also PostgreSQL (and <its name>_scaled, dropped and
## recreated). About 3-4 minutes.
bench-scale: export DFDG_ENVIRONMENT ?= test
bench-scale: install
	timeout 600 $(BIN)/python bench/bench_http.py --only frozen-read,case-read,live-read --scale 100000 \
		--rounds 5 --duration 2 --deadline 400
