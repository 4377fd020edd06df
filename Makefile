# Two commands on a fresh machine: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/bash
PY ?= python3
UV := $(PY) -m uv
RUN := $(UV) run --frozen --all-groups

.PHONY: setup demo test lint web slack bench clean

setup: .venv/.synced

.venv/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PY) -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen --all-groups
	@touch $@

demo: setup
	$(RUN) producer make examples/cold_brew.yaml --out out/demo

test: setup
	@bash scripts/test-deps.sh
	$(RUN) pytest -q

lint: setup
	$(RUN) ruff check .
	$(RUN) mypy agent tools memory prompts app.py

bench: setup
	$(RUN) python bench/render.py
	$(RUN) python bench/e2e.py

clean:
	rm -rf out .producer
