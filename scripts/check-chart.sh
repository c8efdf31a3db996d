#!/usr/bin/env bash
# CI for the Helm chart (charts/instance-operator): installs helm and kubectl into .tools/bin, then
# runs tests/chart with the tools required, so nothing is skipped. The tests run helm lint --strict
# and helm template with the default values and each ci/*-values.yaml, validate every rendered
# manifest against the Kubernetes 1.35 JSON schemas (the CRDs as apiextensions v1), check the
# values schema refuses wrong types, the CRD copy matches crds/instance.yaml, and run the operator
# with the chart's flags to prove its RBAC suffices. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/ci-tools.sh
[ -x .venv/bin/pytest ] || make install
IOP_REQUIRE_CHART_TOOLS=1 .venv/bin/pytest -p no:cacheprovider tests/chart "$@"
