# Every target sets up what it needs: a fresh clone runs `make demo` or `make test` directly.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install tools demo lint typecheck test test-cloud chart bench bench-simulator chaos crds image clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

# The main job on the embedded default: a simulated OpenStack, an embedded Kubernetes API and the
# operator, the examples applied and acted on, a live table, then everything stopped. With
# KUBECONFIG set, that cluster is used instead of the embedded API.
demo: install
	$(BIN)/instance-operator demo

lint: install
	$(BIN)/ruff check operator tests
	$(BIN)/ruff format --check operator tests

typecheck: install
	$(BIN)/mypy

# helm, kubectl and hadolint into .tools/bin at their pinned versions; a no-op (well under a
# second) when they are there already.
tools:
	bash scripts/ci-tools.sh

# pytest exits 5 when it collects nothing; that is a failure here, as any non-zero code is. The
# tests that use .tools/bin fail rather than skip without it, so CI cannot pass by skipping.
test: lint typecheck tools
	IOP_REQUIRE_CHART_TOOLS=1 $(BIN)/pytest

# A real OpenStack (../shared/minicloud) on 127.0.0.1: set up, started, tested against, stopped.
test-cloud: install
	scripts/test-cloud.sh

# The CRD and the API reference, both generated from the models; tests fail when they are stale.
crds: install
	$(BIN)/instance-operator crd > crds/instance.yaml
	$(BIN)/instance-operator crd --api-reference > docs/api.md
	cp crds/instance.yaml charts/instance-operator/crds/instance.yaml

# The operator at scale against the sandbox; prints one JSON object (N=10000 for ten thousand) and
# exits non-zero when a target is missed.
N ?= 1000
bench: install
	N=$(N) $(BIN)/python benchmarks/operator_bench.py

# The simulator alone: 10,000 servers listed in pages of 1,000; prints one JSON object.
bench-simulator: install
	$(BIN)/python benchmarks/simulator_bench.py --process

# The chaos suite at full size (make test runs it small): SIGKILL storms and each crash window
# forced, flaky cloud and Kubernetes API, hostile inputs, two replicas. CHAOS_REPORT=file keeps the
# figures as JSON; CHAOS=ci is the size CI runs (100 Instances and 10 kills, shorter quiet windows);
# CHAOS_SEED=n replays a run's random choices.
CHAOS ?= full
chaos: install
	CHAOS=$(CHAOS) $(BIN)/pytest tests/chaos -p no:cacheprovider -s

# The Helm chart (lint, render, validate, RBAC) and the Dockerfile (hadolint, its install steps
# replayed in a scratch virtualenv); installs helm, kubectl and hadolint into .tools/.
chart: install
	bash scripts/check-chart.sh
	bash scripts/check-dockerfile.sh

# The operator image from the Dockerfile (docker, or buildah and podman where no Docker engine runs),
# its CycloneDX SBOM in build/image/, and one JSON line: reference, digest, size, build seconds.
image: install
	bash scripts/build-image.sh

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build *.egg-info operator/*.egg-info
