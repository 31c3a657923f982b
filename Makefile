# aipulse — `make run` and `make test` do all set-up on a fresh Debian machine.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CONFIG ?= aipulse.toml
SUDO := $(shell [ "$$(id -u)" = 0 ] && echo "" || (command -v sudo >/dev/null && echo "sudo -n" || echo "false"))

.PHONY: run test lint demo live-check install system-deps browser test-deps clean

run: install ## install, initialise the SQLite database, start the daemon with the bundled config
	$(VENV)/bin/aipulse --config $(CONFIG) init
	exec $(VENV)/bin/aipulse --config $(CONFIG) run

test: install test-deps lint ## install and run the whole suite (ruff, mypy, pytest)
	$(PY) -m pytest -n 2

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

demo: install ## two simulated weeks from the recorded fixtures into data/demo.db (config: data/demo.toml)
	$(VENV)/bin/aipulse demo --weeks $(or $(WEEKS),2) --database data/demo.db

# Needs internet: every enabled source of $(CONFIG) (or SOURCES="a b") once against its real endpoint, recorded
# under recordings/ beside the config, one verdict a source. Never run by `make test`.
live-check: install
	$(VENV)/bin/aipulse --config $(CONFIG) init
	$(VENV)/bin/aipulse --config $(CONFIG) crawl --live-check $(SOURCES)

install: system-deps $(STAMP) browser

# Debian packages: Python's venv, Chromium (browser sources, report PDF), a CJK font (report charts and PDF).
system-deps:
	@need=""; \
	python3 -c 'import ensurepip, venv' 2>/dev/null || need="$$need python3-venv python3-pip"; \
	if [ -z "$$AIPULSE_CHROMIUM" ] && [ ! -x /usr/bin/chromium ]; then need="$$need chromium"; fi; \
	ls /usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc >/dev/null 2>&1 || need="$$need fonts-noto-cjk"; \
	if [ -n "$$need" ]; then \
	  if command -v apt-get >/dev/null && $(SUDO) true 2>/dev/null; then \
	    echo "installing Debian packages:$$need"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$need >/dev/null; \
	  else echo "note: could not install$$need (no apt-get or no root); continuing"; fi; \
	fi

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# A browser for scrapy-playwright: $AIPULSE_CHROMIUM, else Debian's /usr/bin/chromium, else Playwright's own.
browser: $(STAMP)
	@if [ -n "$$AIPULSE_CHROMIUM" ] && [ -x "$$AIPULSE_CHROMIUM" ]; then echo "browser: $$AIPULSE_CHROMIUM"; \
	elif [ -x /usr/bin/chromium ]; then echo "browser: /usr/bin/chromium"; \
	else echo "browser: playwright install chromium"; $(VENV)/bin/playwright install chromium; fi

# PostgreSQL server binaries for the storage tests (the suite starts its own throwaway cluster).
test-deps:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then \
	  if command -v apt-get >/dev/null && $(SUDO) true 2>/dev/null; then \
	    echo "installing Debian package: postgresql"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql >/dev/null; \
	  else echo "note: PostgreSQL is not installed; the PostgreSQL tests will be skipped (CI fails instead)"; fi; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
