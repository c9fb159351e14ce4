# The two README commands: `make run` (install + start the cockpit) and `make test`
# (install dev tools + Debian's chromium/chromium-driver, then the whole pre-flight check).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test browser bench lock

run: $(VENV)/.runtime
	$(PY) app_dash.py

test: $(VENV)/.dev browser
	$(PY) -m utils.project.preflight

# Speed figures (minutes; never part of the test run): the page over HTTP at 1k/10k/100k trades,
# metrics, the judge, the cards in-process, the CSV imports.
bench: $(VENV)/.dev
	$(PY) -m benchmarks.bench_page
	$(PY) -m benchmarks.bench_metrics
	$(PY) -m benchmarks.bench_judge
	$(PY) -m benchmarks.bench_cockpit
	$(PY) -m benchmarks.bench_import

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Both installs take their exact versions from the lock files (pyproject.toml keeps the ranges).
$(VENV)/.runtime: pyproject.toml requirements.lock | $(PY)
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@

$(VENV)/.dev: pyproject.toml requirements-dev.lock | $(PY)
	$(PY) -m pip install -q -r requirements-dev.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@ $(VENV)/.runtime

# Re-pin the lock files from pyproject.toml's ranges (then run `make test`).
lock: $(PY)
	$(PY) -m pip install -q pip-tools
	$(PY) -m piptools compile -q --strip-extras --no-header --no-emit-index-url \
	  --no-emit-find-links -o requirements.lock pyproject.toml
	$(PY) -m piptools compile -q --strip-extras --no-header --no-emit-index-url \
	  --no-emit-find-links --extra dev -o requirements-dev.lock pyproject.toml

# Browser tests drive Debian's Chromium; a tool's own browser download fails offline.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
	  echo "chromium: $$(chromium --version 2>/dev/null)"; \
	else \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver; \
	fi
