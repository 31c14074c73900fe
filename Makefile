# Casefile QA: two commands on a fresh machine.
#   make run   set up, migrate, load demo data, start the job worker and serve http://127.0.0.1:5000
#   make test  set up and run every test
#   make check bandit on the code, pip-audit and npm audit on the pinned dependencies
#   make mutation  mutation testing of the modules that hold the rules (slow; not in CI; docs/testing.md)
# Needs Python 3.11 and Node.js with npm.

SHELL := /bin/bash
PYTHON ?= python3.11
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
FLASK := QA_ENV=$${QA_ENV:-development} $(BIN)/flask --app wsgi
STATIC := qa_app/static

.PHONY: setup run test check bench assets clean mutation

setup: $(VENV)/.installed node_modules/.installed assets

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: $(STATIC)/css/app.css $(STATIC)/govuk/.copied

$(STATIC)/css/app.css: assets/scss/app.scss node_modules/.installed
	mkdir -p $(STATIC)/css
	npx --no-install sass --load-path=node_modules --style=compressed --no-source-map --quiet-deps $< $@

$(STATIC)/govuk/.copied: node_modules/.installed
	rm -rf $(STATIC)/govuk
	mkdir -p $(STATIC)/govuk
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(STATIC)/govuk/
	cp -r node_modules/govuk-frontend/dist/govuk/assets $(STATIC)/govuk/assets
	touch $@

run: setup
	$(FLASK) db upgrade
	$(FLASK) demo-data
	@# The worker runs uploaded imports; if it dies the watchdog starts it again and says so.
	@# Ctrl-C (or the server stopping) stops it too.
	QA_ENV=$${QA_ENV:-development} scripts/worker-watchdog $(BIN)/flask --app wsgi worker & watchdog=$$!; \
	trap 'kill -TERM $$watchdog 2>/dev/null; wait $$watchdog' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: setup $(VENV)/.checks-installed
	@echo "== bandit: fails on any high-severity finding"
	$(BIN)/bandit -r qa_app audit_tools config.py wsgi.py --severity-level high --quiet
	@echo "== pip-audit and npm audit: fail on a known vulnerability (npm: high or critical)"
	$(BIN)/python .ci/dependency_audit.py

$(VENV)/.checks-installed: requirements-checks.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-checks.txt
	touch $@

# One group of modules at a time, niced, each in a scratch copy under instance/mutation/, with
# only the tests that cover it. MUTATION_ARGS: group names (mutation/run.py) and --until HH:MM.
mutation: setup $(VENV)/.mutation-installed
	$(BIN)/python -m mutation.run $(MUTATION_ARGS)

$(VENV)/.mutation-installed: requirements-mutation.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-mutation.txt
	touch $@

bench: setup
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.forms
	$(BIN)/python -m bench.exports
	$(BIN)/python -m bench.write_lock

clean:
	rm -rf $(VENV) node_modules $(STATIC)/css $(STATIC)/govuk instance/test*
