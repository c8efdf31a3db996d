#!/usr/bin/env bash
# CI for the Dockerfile, on a machine without a Docker engine: hadolint (installed into .tools/bin),
# then a replay of the build outside Docker (tests/chart/dockerfile.py): the build context filtered
# by .dockerignore, the build stage's COPY and RUN steps in a scratch directory with a Python of the
# base image's version (wheel, clean virtualenv, install), then the final stage's ENTRYPOINT with
# --help from what it copies. A broken install step fails here as it would in `docker build`.
# Needs the package index (pip fetches the build backend and the dependencies).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/ci-tools.sh
echo "check-dockerfile: hadolint"
.tools/bin/hadolint --no-color Dockerfile

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
echo "check-dockerfile: replaying the build in $scratch"
"${PYTHON:-python3}" -m tests.chart.dockerfile "$scratch"
echo "check-dockerfile: passed"
