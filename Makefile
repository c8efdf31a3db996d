# Every target sets up what it needs: a fresh clone runs `make demo` or `make test` directly.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install lint typecheck test test-cloud chart crds clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

lint: install
	$(BIN)/ruff check operator tests
	$(BIN)/ruff format --check operator tests

typecheck: install
	$(BIN)/mypy

# pytest exits 5 when it collects nothing; that is a failure here, as any non-zero code is.
test: lint typecheck
	$(BIN)/pytest

# A real OpenStack (../shared/minicloud) on 127.0.0.1: set up, started, tested against, stopped.
test-cloud: install
	scripts/test-cloud.sh

# The CRD and the API reference, both generated from the models; tests fail when they are stale.
crds: install
	$(BIN)/instance-operator crd > crds/instance.yaml
	$(BIN)/instance-operator crd --api-reference > docs/api.md
	cp crds/instance.yaml charts/instance-operator/crds/instance.yaml

# The Helm chart (lint, render, validate, RBAC) and the Dockerfile (hadolint, its install steps
# replayed in a scratch virtualenv); installs helm, kubectl and hadolint into .tools/.
chart: install
	bash scripts/check-chart.sh
	bash scripts/check-dockerfile.sh

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build *.egg-info operator/*.egg-info
