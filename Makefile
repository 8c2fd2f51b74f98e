# Quick start: `make run` serves the demo (SQLite, sandbox WeChat); `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev run worker sandbox-server test test-fast test-pg lint fuzz bench bench-rush bench-dashboard clean i18n

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/python -m pip install -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

run: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi seed-demo
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://$(HOST):$(PORT)} \
	  $(BIN)/gunicorn wsgi:app --bind $(HOST):$(PORT) --workers 2

# Optional: the after-payment queue (certificate pictures, the Redis leaderboard mirror) and the periodic
# reconcile, on REDIS_URL; beside `make run` with the same environment. Without Redis the web processes
# do that work inline after each response and `flask reconcile` runs from cron (README "Processes").
worker: install
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/flask --app wsgi worker

# The WeChat simulators as their own server (own database, SANDBOX_DATABASE_URL); then run the service
# with SANDBOX_SERVER_URL=http://$(HOST):$(SANDBOX_PORT) (README "The simulators as their own server").
SANDBOX_PORT ?= 8100
sandbox-server: install
	$(BIN)/flask --app app.sandbox.server sandbox init-db
	$(BIN)/gunicorn 'app.sandbox.server:create_simulator_app()' --bind $(HOST):$(SANDBOX_PORT) \
	  --workers 2 --worker-class gthread --threads 16

# For translators: extract every message (babel.cfg), update app/translations/<lang>/LC_MESSAGES/messages.po
# and write the pages' app/static/i18n/<lang>.json from them. The service reads the .po files at start.
i18n: install
	$(BIN)/python scripts/i18n.py

# PYTEST_ARGS adds options (CI: coverage), e.g. make test PYTEST_ARGS="-x -k orders".
test: install-dev
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Everything but the tests marked slow (browser, gunicorn, render batches): under a minute here.
test-fast: install-dev
	$(BIN)/python -m pytest -q -m "not slow" $(PYTEST_ARGS)

# The same suite on PostgreSQL and Redis (what .ci/run does second), but tests/unit: pure code (no app, no
# database, no Redis), the same run either way, so measured once, by `make test`.
test-pg: install-dev
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} \
	TEST_REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/15} \
	  $(BIN)/python -m pytest -q --ignore=tests/unit $(PYTEST_ARGS)

# Lint and import order; the layering rules are a test (tests/unit/test_import_rules.py).
lint: install-dev
	$(BIN)/ruff check .

# schemathesis against the running service, from its own OpenAPI document (what .ci/run does last): ~2.5 min.
fuzz: install-dev
	$(BIN)/python scripts/fuzz_api.py $(FUZZ_ARGS)

bench: install
	$(BIN)/python -m bench.run

# The door rush: whole guest journeys at once, gunicorn with 2 workers on a scratch PostgreSQL database,
# on Redis (a db of its own, BENCH_REDIS_URL) with `flask worker` beside it, as deployed, and the WeChat
# simulators as their own server (reached over HTTP as WeChat is live), so the service's CPU is the service's.
bench-rush: install
	$(BIN)/python -m bench.run --target door-rush --pick both --sandbox-server \
	  --redis-url $${BENCH_REDIS_URL:-redis://127.0.0.1:6379/8} $(BENCH_ARGS)

# The organiser's dashboard at 100,000 scans (SQLite, then a scratch PostgreSQL database), through the test client;
# BENCH_ARGS="--old ../old-checkout" measures another checkout alternating with this one (bench/README.md).
bench-dashboard: install
	$(BIN)/python -m bench.run --target dashboard $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .coverage .coverage.*
