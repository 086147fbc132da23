# taglens: two commands.  `make run` sets up .venv and runs the demo; `make test` runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test bench default-model clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[full]'
	touch $@

$(VENV)/.test-deps: pyproject.toml $(VENV)/.run-deps
	$(PIP) install -e '.[full,train,dev]'
	touch $@

run: $(VENV)/.run-deps
	$(BIN)/taglens demo

test: $(VENV)/.test-deps
	$(BIN)/python -m pytest -q

# Rebuilds the shipped default model from ../shared/data (TweetEval train + HARRISON).
default-model: $(VENV)/.test-deps
	$(BIN)/python scripts/build_default_model.py

bench: $(VENV)/.test-deps
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info
