# The Makefile is the interface: CI and people run the same targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=
# Deployment (see docs/deploying.md).
EDGE_CONFIG ?=
PACKAGES ?=
SAM ?= sam
SAM_CONFIG_ENV ?= default
DEPLOY_ARGS ?=
# The config.json that `make render` and `make check-template` read (e.g. a generated one: docs/scale.md).
CONFIG ?= config.json

.PHONY: install browser-deps lint fmt typecheck test unit bench docs schemas vendor dev dev-reset clean render check-template package deploy deploy-web deploy-image verify-deployment

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

# The browser tests drive Debian's Chromium and inject axe-core from npm; both are installed here when missing.
CHROMIUM := /usr/bin/chromium
AXE := tests/browser/node_modules/axe-core/axe.min.js
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

CHROMIUM_MISSING := The browser tests need Chromium at $(CHROMIUM), and it could not be installed here: install \
	Debian's chromium package as root (apt-get install chromium), then run make again.

$(CHROMIUM):
	@command -v apt-get >/dev/null && { [ -z "$(SUDO)" ] || command -v sudo >/dev/null; } \
		|| { echo "$(CHROMIUM_MISSING)" >&2; exit 1; }
	$(SUDO) apt-get update -qq || { echo "$(CHROMIUM_MISSING)" >&2; exit 1; }
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
		|| { echo "$(CHROMIUM_MISSING)" >&2; exit 1; }

# Reinstalled whenever package.json or the lock file is newer than what npm ci last installed.
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null || { echo "The browser tests need npm (Node.js) to install axe-core." >&2; exit 1; }
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	@touch $@

browser-deps: $(CHROMIUM) $(AXE)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(wildcard src functions tests bench infra)
	$(BIN)/lint-imports

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The recorder lets the IAM check (tests/deployment/test_iam_against_code.py, run last) judge every AWS call the
# suite makes through a component against that component's role, without running those tests a second time.
test: lint docs browser-deps
	$(BIN)/python -m pytest -p tests.deployment.aws_calls $(PYTEST_ARGS)

unit: install
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

bench: install
	@for script in bench/*.py; do \
		case $$script in bench/_*|bench/__init__.py) continue;; esac; \
		echo "== $$script"; $(BIN)/python $$script || exit 1; \
	done

# The docs site (docs/, mkdocs.yml) into build/site; --strict turns every warning, a broken link too, into a failure.
# NO_MKDOCS_2_WARNING: Material prints a notice about MkDocs 2 on every build; it is news, not a problem of our docs.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir build/site

# The JSON Schemas of the configuration files and the docs' configuration reference, from the config models.
schemas: install
	$(BIN)/ccm config schema --output schemas/ --reference docs/reference/configuration.md

# Third-party files the portal serves from its own origin (Swagger UI), copied from the npm packages pinned in
# vendor/package.json; tests/web/test_vendored_assets.py checks the copies against vendor/package-lock.json.
vendor:
	@command -v npm >/dev/null || { echo "make vendor needs npm (Node.js)." >&2; exit 1; }
	npm ci --prefix vendor --no-audit --no-fund --loglevel=error
	$(PYTHON) -m infra.vendor_assets

# `make dev CUSTOMERS=200`: config.json's customers and generated demo ones, 200 in all (ccm.local.demo_customers).
dev: install
	$(BIN)/python -m ccm.local $(if $(CUSTOMERS),--customers $(CUSTOMERS))

# The local stack keeps its state in CCM_LOCAL_DATA (default .local-data) between runs; this forgets it.
dev-reset:
	rm -rf "$${CCM_LOCAL_DATA:-.local-data}"

render: install
	$(BIN)/python -m infra.render --config "$(CONFIG)"

# The parent template, its SAM translation and every customers' nested stack (plain CloudFormation).
check-template: install
	$(BIN)/python -m infra.render --config "$(CONFIG)" --translated infra/build/template.translated.json
	$(BIN)/cfn-lint --regions us-east-1 -- infra/build/template.yaml infra/build/template.translated.json \
		infra/build/customers-*.yaml

package: install
	$(BIN)/python -m infra.package --edge-config "$(EDGE_CONFIG)" $(if $(PACKAGES),--only "$(PACKAGES)")

deploy: install
	$(BIN)/python -m infra.deploy --sam "$(SAM)" --config-env "$(SAM_CONFIG_ENV)" --edge-config "$(EDGE_CONFIG)" -- $(DEPLOY_ARGS)

deploy-web: install
	$(BIN)/python -m infra.web --config-env "$(SAM_CONFIG_ENV)"

deploy-image: install
	$(BIN)/python -m infra.image --config-env "$(SAM_CONFIG_ENV)"

# Read-only checks against the deployed stack (docs/deploying.md, "After a deployment"); needs CCM_SESSION_COOKIE.
verify-deployment: install
	$(BIN)/python -m infra.verify --config-env "$(SAM_CONFIG_ENV)"

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build dist infra/build tests/browser/node_modules tests/artifacts
