# The front door: `make chat` and `make test` set everything up from a fresh clone.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: setup chat index test eval bench train lint format browser clean

setup: $(STAMP)

# torch goes first and alone: 2.13.0 is the small CPU wheel; a looser spec pulls CUDA builds.
$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "Needs $(PYTHON) (Python 3.11) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

# Debian's Chromium for the real-browser tests (Playwright drives it; no browser download).
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

chat: $(STAMP)
	$(BIN)/python ui.py

index: $(STAMP)
	$(BIN)/qa index

test: $(STAMP) browser
	$(BIN)/python -m pytest

# The fast lane: tests/fast on a fake embedding model and an in-memory store, no browser (under 60 s).
.PHONY: test-fast
test-fast: $(STAMP)
	$(BIN)/python -m pytest tests/fast

eval: $(STAMP)
	$(BIN)/qa eval

bench: $(STAMP)
	$(BIN)/qa bench

# Reproduces qa/models/ (query adapter, document ranker, question prior, both judges) from a fixed seed: mine, fit, calibrate, card.
train: $(STAMP)
	$(BIN)/python -m train

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf .qa-data .pytest_cache
