# The two README commands: `make run` (install + start the cockpit) and `make test`
# (install dev tools + Debian's chromium/chromium-driver, then the whole pre-flight check).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test browser bench

run: $(VENV)/.runtime
	$(PY) app_dash.py

test: $(VENV)/.dev browser
	$(PY) -m utils.project.preflight

# Speed figures (minutes; never part of the test run): metrics, the judge, the whole page.
bench: $(VENV)/.dev
	$(PY) -m benchmarks.bench_metrics
	$(PY) -m benchmarks.bench_judge
	$(PY) -m benchmarks.bench_cockpit

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.dev: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[dev]"
	touch $@ $(VENV)/.runtime

# Browser tests drive Debian's Chromium; a tool's own browser download fails offline.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
	  echo "chromium: $$(chromium --version 2>/dev/null)"; \
	else \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver; \
	fi
