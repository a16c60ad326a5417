# NL Atlas — the commands a newcomer needs. `make help` lists them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
export DJANGO_SETTINGS_MODULE := nlatlas.settings

.DEFAULT_GOAL := help
.PHONY: help run install migrate seed test test-sqlite test-postgres test-browser lint format check schema messages deploy-check clean bench bench-sqlite bench-positions bench-practices

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install (again only when pyproject.toml changed)

migrate: $(STAMP) ## apply database migrations (SQLite under var/ unless DATABASE_URL is set)
	@mkdir -p var
	$(PY) manage.py migrate --no-input -v 0

seed: migrate ## load the seed data (idempotent) and create the demo administrator once
	$(PY) manage.py load_seed
	$(PY) manage.py load_demo_profiles
	$(PY) manage.py create_demo_admin

run: seed ## install, migrate, load seed data and serve on http://127.0.0.1:8000
	@echo "NL Atlas is serving on http://$(HOST):$(PORT)/ (Ctrl+C to stop)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(STAMP) lint ## everything CI runs: lint, migrations, schema, tests on SQLite and PostgreSQL
	@mkdir -p var
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check
	$(PY) scripts/check_translations.py
	$(PY) manage.py spectacular --file var/openapi.yaml --validate --fail-on-warn
	diff -u docs/openapi.yaml var/openapi.yaml || (echo "docs/openapi.yaml is out of date: run 'make schema'"; exit 1)
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory deploy-check

test-sqlite: $(STAMP) ## the test suite on SQLite
	NLATLAS_TESTING=1 $(PY) -m pytest

test-postgres: $(STAMP) ## the test suite on PostgreSQL (127.0.0.1:5432, user postgres)
	NLATLAS_TESTING=1 DATABASE_URL=$(PG_URL) $(PY) -m pytest

test-browser: $(STAMP) ## only the browser tests (real Chromium)
	NLATLAS_TESTING=1 $(PY) -m pytest -m browser

lint: $(STAMP) ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP) ## format the code with ruff
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

deploy-check: $(STAMP) ## Django's deployment checks with production settings
	DEBUG=0 SECRET_KEY=check-$$(date +%s)-a-long-random-value-for-the-deploy-check-only \
	  ALLOWED_HOSTS=nlatlas.example.org DATABASE_URL=$(PG_URL) \
	  $(PY) manage.py check --deploy --fail-level WARNING

check: test ## everything CI runs (alias of test)

schema: $(STAMP) ## regenerate the committed OpenAPI schema docs/openapi.yaml
	$(PY) manage.py spectacular --file docs/openapi.yaml --validate

messages: $(STAMP) ## extract interface strings and compile the catalogues
	$(PY) manage.py makemessages --all --ignore='.venv/*' --ignore='var/*' --no-obsolete
	$(PY) manage.py compilemessages --ignore='.venv/*'

clean: ## remove the virtual environment and the local database
	rm -rf $(VENV) var

BENCH_DB ?= nlatlas_bench
# The load generator comes from Debian; installed on first use where we may (root), else say how.
INSTALL_WRK = (test "$$(id -u)" = 0 && (apt-get install -y -qq wrk >/dev/null 2>&1 || \
	(apt-get update -qq && apt-get install -y -qq wrk >/dev/null))) || \
	(echo "wrk is missing: sudo apt-get install wrk"; exit 1)
BENCH_ENV = DEBUG=0 SECRET_KEY=bench-only-$$(hostname)-not-a-production-secret-0123456789 \
	ALLOWED_HOSTS=127.0.0.1,localhost,testserver SECURE_SSL_REDIRECT=0 NLATLAS_BENCH_HELLO=1 \
	LOG_LEVEL=WARNING

bench: $(STAMP) ## benchmark gunicorn + PostgreSQL at size large with wrk (docs/performance.md)
	@command -v wrk >/dev/null || $(INSTALL_WRK)
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$(BENCH_DB)'" | grep -q 1 \
	  || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $(BENCH_DB)"
	$(BENCH_ENV) DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_DB) \
	  $(PY) manage.py bench --size large $(BENCH_ARGS)

bench-sqlite: $(STAMP) ## the same benchmark on the embedded SQLite default at size small
	@command -v wrk >/dev/null || $(INSTALL_WRK)
	@mkdir -p var
	$(BENCH_ENV) DATABASE_URL=sqlite:///$(CURDIR)/var/bench.sqlite3 \
	  $(PY) manage.py bench --size small $(BENCH_ARGS)

bench-positions: $(STAMP) ## time similarity, clusters and positions for 200 and 2,000 libraries (PostgreSQL and SQLite)
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$(BENCH_DB)'" | grep -q 1 \
	  || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $(BENCH_DB)"
	$(BENCH_ENV) DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_DB) $(PY) manage.py migrate -v 0
	$(BENCH_ENV) DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_DB) \
	  $(PY) manage.py bench_positions
	@mkdir -p var
	$(BENCH_ENV) DATABASE_URL=sqlite:///$(CURDIR)/var/bench.sqlite3 $(PY) manage.py migrate -v 0
	$(BENCH_ENV) DATABASE_URL=sqlite:///$(CURDIR)/var/bench.sqlite3 $(PY) manage.py bench_positions

bench-practices: $(STAMP) ## time practices search with facets, a practice and its history at 20,000 practices (PostgreSQL and SQLite)
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$(BENCH_DB)'" | grep -q 1 \
	  || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $(BENCH_DB)"
	$(BENCH_ENV) DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_DB) $(PY) manage.py migrate -v 0
	$(BENCH_ENV) DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_DB) \
	  $(PY) manage.py bench_practices $(BENCH_ARGS)
	@mkdir -p var
	$(BENCH_ENV) DATABASE_URL=sqlite:///$(CURDIR)/var/bench.sqlite3 $(PY) manage.py migrate -v 0
	$(BENCH_ENV) DATABASE_URL=sqlite:///$(CURDIR)/var/bench.sqlite3 $(PY) manage.py bench_practices $(BENCH_ARGS)
