# The Makefile is the interface: CI and people run the same targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: install lint fmt typecheck test unit bench dev dev-reset clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(wildcard src functions tests bench)

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

unit: install
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

bench: install
	@for script in bench/*.py; do \
		case $$script in bench/_*|bench/__init__.py) continue;; esac; \
		echo "== $$script"; $(BIN)/python $$script || exit 1; \
	done

dev: install
	$(BIN)/python -m ccm.local

dev-reset:
	rm -rf .local-data

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build dist
