"""Nothing secret reaches the operator's log, at its most talkative (debug), whatever happens.

The cloud's passwords and application-credential secret are distinctive strings, so a leak is
found by a plain search; Keystone tokens are found by their form (the simulator's, like Fernet
tokens, start with ``gAAAAA``). The run covers what tends to leak: logins with a password and
with an application credential, a refused password, a rotated Secret, re-authentication after the
tokens were revoked, creates and actions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from instance_operator.sandbox import (
    CLOUD_NAME,
    CREDENTIALS_SECRET,
    Box,
    Cluster,
    OperatorFlags,
    Sandbox,
    example_cloud,
)
from instance_operator.simulator.config import ApplicationCredentialSeed, UserSeed
from tests.e2e.support import web
from tests.support.timings import FAST_CLOUD

PASSWORD = "e2e-Pass-7hQx2-admin"
OTHER_PASSWORD = "e2e-Pass-9kLm4-demo"
APP_SECRET = "e2e-AppCred-3vTn8-secret"
WRONG_PASSWORD = "e2e-Wrong-6rPz1"
TOKEN = re.compile(r"gAAAAA[A-Za-z0-9_-]{16,}")


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    cloud = example_cloud(
        FAST_CLOUD,
        users=[
            UserSeed(name="admin", password=PASSWORD, project="admin", roles=["admin", "member"]),
            UserSeed(name="demo", password=OTHER_PASSWORD, project="demo"),
        ],
        application_credentials=[
            ApplicationCredentialSeed(name="iop", secret=APP_SECRET, user="demo")
        ],
    )
    sandbox = Sandbox(
        simulator=cloud,
        operator=OperatorFlags(log_level="debug"),
        workdir=tmp_path_factory.mktemp("sandbox"),
    )
    with sandbox.running() as running:
        yield running


def test_no_password_or_token_in_the_log(box: Box, cluster: Cluster) -> None:
    assert box.sim is not None
    assert PASSWORD in box.clouds_yaml  # the Secret really holds the distinctive password
    app_cluster = box.namespace("app-credential")
    app_cluster.put_secret(
        CREDENTIALS_SECRET,
        {"clouds.yaml": box.sim.clouds_yaml(CLOUD_NAME, application_credential="iop")},
    )
    wrong = box.clouds_yaml.replace(PASSWORD, WRONG_PASSWORD)
    cluster.put_secret(CREDENTIALS_SECRET, {"clouds.yaml": wrong})

    cluster.create(web())
    app_cluster.create(web())
    cluster.wait_condition("web-1", "Degraded", "AuthenticationFailed")
    app_cluster.wait_ready("web-1")
    cluster.put_secret(CREDENTIALS_SECRET, {"clouds.yaml": box.clouds_yaml})
    cluster.wait_ready("web-1")

    box.sim.expire_tokens()  # every client logs in again
    for namespace in (cluster, app_cluster):
        namespace.annotate("web-1", "reboot", "after-revocation")
        assert namespace.wait_action("web-1", "reboot", "after-revocation")["result"] == "Succeeded"
    box.operator.stop()  # what it logs on the way out counts too

    log = box.operator.log_text()
    assert "Created server" in log  # the log is the real one, and talkative
    assert len(log.splitlines()) > 100
    for secret in (PASSWORD, OTHER_PASSWORD, APP_SECRET, WRONG_PASSWORD):
        assert secret not in log
    assert TOKEN.findall(log) == []
