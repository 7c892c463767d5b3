# Two commands for a fresh machine with Python 3.11 and make: `make run`, `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test contract lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

# The server and, beside it, the worker that runs imports in the background; they
# share a file cache (var/cache) so the import page sees the worker's progress.
run: $(VENV)/.installed
	@new_db=$$(test -f db.sqlite3 || test -n "$$DATABASE_URL" || echo yes); \
	DEBUG=1 $(BIN)/python manage.py migrate --noinput && \
	DEBUG=1 $(BIN)/python manage.py load_plan && \
	DEBUG=1 $(BIN)/python manage.py demo_accounts && \
	if [ -n "$$new_db" ] && $(BIN)/python manage.py help demo_data >/dev/null 2>&1; then \
		DEBUG=1 $(BIN)/python manage.py demo_data && \
		DEBUG=1 $(BIN)/python manage.py demo_assessment; fi || exit 1; \
	export DEBUG=1 CACHE_URL=$${CACHE_URL:-file://var/cache}; \
	$(BIN)/python manage.py db_worker -v0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	echo "打开 http://127.0.0.1:$(PORT)/ （Ctrl-C 停止）"; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest $(PYTEST_ARGS)

# The API contract: schemathesis against a served, seeded copy (about 2 minutes).
contract: $(VENV)/.installed-test
	.ci/contract

lint: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.installed-test
	$(BIN)/python bench/dashboard.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .schemathesis staticfiles
