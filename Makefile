# The two commands: `make demo` and `make test`. Everything else is a step they use.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PASSWORD ?= demo
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
TEST_WORKERS ?= auto
# `make bench BENCH_ARGS="--only api --runs 3"`: each benchmark gets the options it accepts.
BENCH_ARGS ?=

.PHONY: demo test install migrate seed collectstatic lint format messages bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

# The demo accounts, pages, projects, meetings and cases, then a year of approvals through
# the services for the statistics (about a minute the first time; both keep what is there).
seed: migrate
	$(BIN)/python manage.py seed_demo --password '$(PASSWORD)'
	$(BIN)/python manage.py seed_demo_year
	$(BIN)/python manage.py rebuild_statistics

# `make demo PORT=8100` serves on that port, and links in emails and calendars say so too.
demo: seed
	$(BIN)/python manage.py run_demo --host '$(HOST)' --port '$(PORT)' --password '$(PASSWORD)'

# One pytest process per core (pytest-xdist); the tests that start their own service processes
# run together in one of them. `make test TEST_WORKERS=0` runs everything in one process.
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

collectstatic: install
	DJANGO_SETTINGS_MODULE=portal.settings.dev $(BIN)/python manage.py collectstatic --noinput

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Needs GNU gettext (developers only); the compiled .mo files are committed.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore '.venv/*' --ignore 'var/*' --ignore 'static_collected/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

bench: install
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var static_collected
