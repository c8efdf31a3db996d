#!/usr/bin/env bash
# make test-cloud: start the mini-cloud (a real Keystone/Nova/Glance on 127.0.0.1), run the
# OpenStack client's integration tests (tests/cloud) and the operator's end-to-end scenarios
# (tests/e2e/test_minicloud.py, both marked "cloud") against it, stop it.
#
# The mini-cloud is found at ../shared/minicloud beside the repository, or at $IOP_MINICLOUD_DIR.
# Its state dir is $MINICLOUD_STATE (default ${TMPDIR:-/tmp}/minicloud), where start.sh writes
# clouds.yaml with the cloud "minicloud". The cloud is stopped whatever happens, also when
# start.sh or the tests fail. Extra arguments go to pytest.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
minicloud="${IOP_MINICLOUD_DIR:-$repo/../shared/minicloud}"
state="${MINICLOUD_STATE:-${TMPDIR:-/tmp}/minicloud}"
pytest="${PYTEST:-$repo/.venv/bin/pytest}"

if [ ! -x "$minicloud/start.sh" ]; then
    echo "test-cloud: no mini-cloud at $minicloud (set IOP_MINICLOUD_DIR)" >&2
    exit 2
fi
minicloud="$(cd "$minicloud" && pwd)"

stop() {
    echo "test-cloud: stopping the mini-cloud"
    MINICLOUD_STATE="$state" "$minicloud/stop.sh" || echo "test-cloud: stop.sh failed" >&2
}

"$minicloud/setup.sh"
trap stop EXIT
MINICLOUD_STATE="$state" "$minicloud/start.sh"

cd "$repo"
IOP_TEST_CLOUDS_YAML="$state/clouds.yaml" IOP_TEST_CLOUD=minicloud \
    "$pytest" -m cloud tests/cloud tests/e2e/test_minicloud.py "$@"
