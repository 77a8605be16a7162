# Two commands on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 5000
BIN := $(VENV)/bin
# Exact versions of every dependency, for CI and reproducible installs (`make lock` refreshes it).
LOCK := constraints.txt
# apt-get needs root; use sudo when not already root.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test screenshots test-postgres lock bench bench-quick lint audit format clean system-packages runtime-packages bench-packages bench-import bench-pdf

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c $(LOCK) --upgrade pip

$(VENV)/.installed-run: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install -q -c $(LOCK) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install -q -c $(LOCK) -e '.[test]'
	touch $@ $(VENV)/.installed-run

# PostgreSQL's driver is an extra: SQLite, the default, needs nothing more.
$(VENV)/.installed-postgres: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install -q -c $(LOCK) -e '.[test,postgres]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed-run

## Serve the diary at http://$(HOST):$(PORT)/ (migrates the database first).
run: $(VENV)/.installed-run runtime-packages
	$(BIN)/diary serve --host $(HOST) --port $(PORT)

# Test processes `make test` runs side by side (pytest-xdist), a file each at a time.
TEST_WORKERS ?= 2

## Lint, check formatting and run the whole test suite (browser tests use Debian's Chromium).
test: $(VENV)/.installed-test lint audit system-packages
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

## Run the browser tests keeping a screenshot of every page in test-artifacts/screenshots/.
screenshots: $(VENV)/.installed-test system-packages
	DIARY_SCREENSHOTS=1 $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile tests/browser

# Python's bytecode cache on for the tests, also where the environment turns it off: without it
# each test process rewrites the asserts of some 450 modules again (about 4 s of CPU) and each
# `diary serve` or `diary` command a test starts compiles the diary's modules again.
test screenshots: export PYTHONDONTWRITEBYTECODE :=
# The tests' temporary files (each test's SQLite file and instance folder) in memory where the
# machine has /dev/shm with room: the diary syncs every commit to the disk (synchronous = FULL),
# which only a power cut could tell from memory, and no test cuts the power (a killed process's
# writes are in the kernel's cache either way). On a busy machine a short test spent up to a
# third of its time waiting for those syncs.
# Only when it has room (a container's /dev/shm is often 64 MB): at least 2 GB free.
TEST_TMPDIR ?= $(shell [ "$$(df -Pk /dev/shm 2>/dev/null | awk 'NR==2 {print $$4}')" -ge 2000000 ] 2>/dev/null && echo /dev/shm)
test screenshots: export TMPDIR := $(or $(TEST_TMPDIR),$(TMPDIR),/tmp)

## The whole suite again, with the app on a real PostgreSQL server (installed and started when needed).
test-postgres: $(VENV)/.installed-postgres system-packages
	scripts/test-postgres

## Pin the newest releases within pyproject.toml's bounds into $(LOCK) (Python 3.11, Linux).
lock: | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade uv
	$(BIN)/uv pip compile pyproject.toml --extra test --extra postgres --python-version 3.11 \
		--python-platform linux --upgrade --quiet --custom-compile-command 'make lock' -o $(LOCK)

## Measure every performance target in one run and say which are met (docs/performance.md).
bench: $(VENV)/.installed-postgres runtime-packages bench-packages
	$(BIN)/python bench/run.py

## The same, each part smaller (one language, one import format, a shorter load test): minutes.
bench-quick: $(VENV)/.installed-postgres runtime-packages bench-packages
	$(BIN)/python bench/run.py --quick

## Time the report PDF for 90 days with two treatments (see README).
bench-pdf: $(VENV)/.installed-test runtime-packages
	$(BIN)/python -m bench.report_pdf

## Time importing 200,000-row exports of the five other diaries (see README).
bench-import: $(VENV)/.installed-test
	$(BIN)/python -m bench.large_exports --rows 200000

# What the tests run besides Python, as command -> Debian package: Chromium for the browser
# tests (Playwright cannot download one here), nginx and Caddy in front of `diary serve`,
# LibreOffice to open exports as a spreadsheet, openssl for the proxies' test certificates,
# zbarimg to read the share link's QR code as a phone camera would, Redis for the counts
# several `diary serve` share (tests/test_several_processes.py).
SYSTEM_PACKAGES := chromium:chromium nginx:nginx-light caddy:caddy soffice:libreoffice-calc-nogui openssl:openssl zbarimg:zbar-tools redis-server:redis-server
# What `make bench` runs besides Python: Caddy in front of the load test's processes, openssl
# for its certificate (PostgreSQL: scripts/postgres-server installs it when missing).
BENCH_PACKAGES := caddy:caddy openssl:openssl

# What the diary itself needs from Debian: Pango and a font for WeasyPrint's PDFs.
RUNTIME_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core

# Install the Debian packages of the command:package pairs $(1) whose commands are missing.
define install_missing
	@missing=""; for pair in $(1); do \
		command -v $${pair%%:*} >/dev/null 2>&1 || [ -x /usr/sbin/$${pair%%:*} ] || missing="$$missing $${pair#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing from Debian's packages $(2):$$missing"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
endef

## Install the Debian packages the diary and its tests use when they are missing.
system-packages: runtime-packages
	$(call install_missing,$(SYSTEM_PACKAGES),for the tests)

## Install the Debian packages the benchmark uses when they are missing.
bench-packages:
	$(call install_missing,$(BENCH_PACKAGES),for the benchmark)

## Install the Debian libraries the diary's PDFs need when they are missing.
runtime-packages:
	@missing=""; for package in $(RUNTIME_PACKAGES); do \
		dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing from Debian's packages for the PDF report:$$missing"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

## Lint, check formatting, and type-check the modules pyproject.toml's [tool.mypy] lists.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Look the installed packages up in the vulnerability database (says so when it cannot).
audit: $(VENV)/.installed-test
	$(BIN)/python scripts/audit-dependencies

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
