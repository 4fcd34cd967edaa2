# The two commands a new user needs: `make run` and `make test`. Everything else is a step of theirs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_CUSTOMERS ?= 5000
# apt-get needs root; use sudo when we are not root and it exists.
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)

.PHONY: run test check-lint check-format check-types check-tests install install-test browser-libs chromium postgresql dovecot \
	bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { echo "python3-venv is missing: installing it"; \
	  $(SUDO) apt-get update && $(SUDO) apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV); }

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed browser-libs
install-test: $(VENV)/.installed-test browser-libs chromium postgresql dovecot

# Browser libraries (the Socket.IO client) come from the npm registry and are served by aiohttp.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y npm; }
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@
browser-libs: node_modules/.installed

# Browser tests drive Debian's chromium through Playwright (no browser download is possible).
chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

# The store tests marked `postgres` also run on a throwaway server started by this script (Debian's package).
postgresql:
	@scripts/pg-test-server install

# The mail tests read a throwaway IMAP mailbox served by this script (Debian's dovecot on loopback).
dovecot:
	@scripts/imap-test-server install

run: install
	$(BIN)/ccdesk db upgrade
	$(BIN)/ccdesk demo-data --if-empty --customers $(DEMO_CUSTOMERS)
	$(BIN)/ccdesk serve

# Every check runs, even after one failed, and the last line names each one that failed.
CHECKS := check-lint check-format check-types check-tests
test: install-test
	@failed=""; \
	for check in $(CHECKS); do \
	  echo "== make $$check"; \
	  $(MAKE) --no-print-directory $$check || failed="$$failed $$check"; \
	done; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed" >&2; exit 1; fi; \
	echo "make test: all checks passed ($(CHECKS))"

check-lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
check-format: $(VENV)/.installed-test
	$(BIN)/ruff format --check .
# Which packages, and which of them strictly: [tool.mypy] in pyproject.toml.
check-types: $(VENV)/.installed-test
	$(BIN)/mypy
check-tests: $(VENV)/.installed-test
	$(BIN)/python -m pytest

bench-quick: install
	for b in bench/*.py; do $(BIN)/python $$b --quick || exit 1; done

clean:
	rm -rf $(VENV) node_modules var .pytest_cache
