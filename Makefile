# Two commands do everything: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-requirements

.PHONY: run test e2e venv lint dataset clean loadtest bench

# Build .venv once, and again only when requirements.txt changes.
$(INSTALLED): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "casetracker needs Python 3.11 or newer (found: $$($(PYTHON) --version))"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r requirements.txt
	@touch $@

venv: $(INSTALLED)

run: venv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_shipped_data
	$(BIN)/python manage.py create_demo_accounts
	$(BIN)/python manage.py create_demo_cases
	@echo "casetracker: http://127.0.0.1:8000/"
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	DJANGO_SETTINGS_MODULE=casetracker.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n 2 --dist worksteal

# Only the browser tests (also part of `make test`; skipped with the reason when no Chromium is installed).
e2e: venv
	$(BIN)/pytest -m e2e -rs

# Benchmarks at a given size (see bench/README.md): SQLite in /tmp, and PostgreSQL too when
# BENCH_DATABASE_URL names a database called bench_*, e.g.
#   make bench INCIDENTS=1000000 BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_casetracker
INCIDENTS ?= 100000
bench: venv
	$(BIN)/python bench/run.py --incidents $(INCIDENTS)
	@if [ -n "$(BENCH_DATABASE_URL)" ]; then \
		$(BIN)/python bench/run.py --incidents $(INCIDENTS) --database-url "$(BENCH_DATABASE_URL)"; fi

# Regenerate the shipped dataset (deterministic: the same seed writes the same files). The generator
# is the casetracker.datasets app, which the local settings (manage.py's default) install, not production's.
dataset: venv
	$(BIN)/python manage.py generate_dataset

# Load test on this machine (locust, from bench/requirements.txt): gunicorn on loopback, PostgreSQL at
# 127.0.0.1:5432 (database loadtest_casetracker, recreated), 20 clerks and 4 supervisors for DURATION
# seconds, thinking 2-10 s between actions (THINK=none for the saturation run; bench/README.md).
BENCH_INSTALLED := $(VENV)/.installed-bench-requirements
$(BENCH_INSTALLED): bench/requirements.txt $(INSTALLED)
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r bench/requirements.txt
	@touch $@

loadtest: $(BENCH_INSTALLED)
	$(BIN)/python bench/loadtest.py --duration $(or $(DURATION),180) $(if $(THINK),--think $(THINK))

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache
