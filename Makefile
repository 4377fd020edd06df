# Two commands on a fresh machine: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/bash
PY ?= python3
UV := $(PY) -m uv
RUN := $(UV) run --frozen --all-groups

.PHONY: setup demo test cluster-test lint web slack bench clean

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

# Only the tests on real PostgreSQL, a Chroma server and Redis (each skips when it cannot start).
cluster-test: setup
	@bash scripts/test-deps.sh
	$(RUN) pytest -q -m cluster

lint: setup
	$(RUN) ruff check .
	$(RUN) mypy agent tools memory prompts app.py
	$(RUN) lint-imports

# The web chat on http://localhost:8000. Chainlit's own SLACK_* variables are cleared so it does
# not start a second Slack handler; Slack is `make slack`, in its own process.
web: setup
	env -u SLACK_BOT_TOKEN -u SLACK_SIGNING_SECRET -u SLACK_WEBSOCKET_TOKEN \
		$(RUN) chainlit run app.py --host 127.0.0.1 --port 8000 --headless

# The Slack app: Socket Mode when PRODUCER_SLACK_APP_TOKEN is set, else its events endpoint on
# http://127.0.0.1:3000/slack/events (PRODUCER_SLACK_* set).
slack: setup
	$(RUN) producer slack --host 127.0.0.1 --port 3000

bench: setup
	$(RUN) python bench/render.py
	$(RUN) python bench/e2e.py

clean:
	rm -rf out .producer
