"""The end-to-end suite: ``instance-operator run`` as a child process, judged by what a user sees.

One sandbox (simulator, embedded Kubernetes API, operator; all child processes) serves a whole
module; each test gets a namespace of its own, so its Instances, Events and server names are its
own. Cloud steps take a few hundred milliseconds and the operator polls fast, so a lifecycle takes
seconds. A module that needs its own cloud or operator overrides the ``box`` fixture.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from instance_operator.openstack.cloud import Cloud
from instance_operator.sandbox import Box, Cluster, OperatorFlags, Sandbox, example_cloud
from tests.e2e.support import connect_as_user
from tests.support.timings import FAST_CLOUD


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    sandbox = Sandbox(
        simulator=example_cloud(FAST_CLOUD),
        operator=OperatorFlags(),
        workdir=tmp_path_factory.mktemp("sandbox"),
    )
    with sandbox.running() as running:
        yield running


@pytest.fixture
def cluster(box: Box, request: pytest.FixtureRequest) -> Cluster:
    """A fresh namespace named after the test, with the credentials and the examples' Secrets."""
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")
    return box.namespace(name.removeprefix("test-")[:50].strip("-"))


@pytest.fixture(scope="module")
def cloud(box: Box) -> Iterator[Cloud]:
    """The cloud as the Instances' own user sees it (``openstack server show`` and friends)."""
    connection = connect_as_user(box)
    yield connection
    connection.close()
