"""Malformed and hostile inputs: each gets a clear condition, the others are still served, and a
broken Instance costs the cloud a bounded trickle of requests, not a hot loop."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from instance_operator.sandbox import Box, OperatorFlags, Sandbox, example_cloud
from instance_operator.simulator.config import Durations
from tests.chaos.conftest import LOG_LEVEL, SCALE
from tests.chaos.support import create_all, ready, wait_all_ready, web
from tests.support.old_crd import install_old_crd

USER_ERROR_RETRY = 10.0
UUID = "0f0e0d0c-0b0a-4909-8807-060504030201"


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[str], dict[str, Any]]
    #: The Degraded reason expected, or "Ready" / "Stopped" for inputs that are odd but valid.
    reason: str
    #: An annotation action expected to be refused or failed, as (action key, result).
    action: tuple[str, str] | None = None


def annotated(action: str, token: str) -> Callable[[str], dict[str, Any]]:
    def make(name: str) -> dict[str, Any]:
        instance = web(name)
        instance["metadata"]["annotations"] = {f"instance-operator.dev/{action}": token}
        return instance

    return make


def spec(**fields: Any) -> Callable[[str], dict[str, Any]]:
    return lambda name: web(name, **fields)


def credentials(secret: str, cloud: str = "mycloud") -> Callable[[str], dict[str, Any]]:
    return spec(cloudCredentialsRef={"secretName": secret, "cloudName": cloud})


CASES = [
    Case("flavor-missing", spec(flavor={"name": "m1.galactic"}), "FlavorNotFound"),
    Case("flavor-id-missing", spec(flavor={"id": "no-such-flavor"}), "FlavorNotFound"),
    Case("image-missing", spec(image={"name": "windows-3.11"}), "ImageNotFound"),
    Case("image-id-missing", spec(image={"id": UUID}), "ImageNotFound"),
    Case("network-missing", spec(networks=[{"name": "nowhere"}]), "NetworkNotFound"),
    Case("network-id-missing", spec(networks=[{"id": UUID}]), "NetworkNotFound"),
    Case("port-missing", spec(networks=[{"portID": UUID}]), "PortNotFound"),
    Case("key-missing", spec(keyName="nobodys-key"), "KeypairNotFound"),
    Case("group-missing", spec(securityGroups=["no-such-group"]), "SecurityGroupNotFound"),
    Case(
        "fixed-ip-outside",
        spec(networks=[{"name": "private", "fixedIP": "192.0.2.77"}]),
        "ServerError",
    ),
    Case("secret-missing", credentials("no-such-secret"), "SecretNotFound"),
    Case("secret-no-key", credentials("hostile-no-key"), "SecretKeyMissing"),
    Case("clouds-not-yaml", credentials("hostile-not-yaml"), "InvalidCloudsYaml"),
    Case("clouds-a-list", credentials("hostile-list"), "InvalidCloudsYaml"),
    Case("clouds-binary", credentials("hostile-binary"), "InvalidCloudsYaml"),
    Case("clouds-no-auth-url", credentials("hostile-no-auth-url"), "InvalidCloudsYaml"),
    Case("clouds-bad-auth-type", credentials("hostile-auth-type"), "InvalidCloudsYaml"),
    Case(
        "cloud-name-missing", credentials("openstack-credentials", "atlantis"), "InvalidCloudsYaml"
    ),
    Case("password-wrong", credentials("hostile-password"), "AuthenticationFailed"),
    Case(
        "user-data-too-big",
        spec(userData={"secretRef": {"name": "hostile-user-data", "key": "big"}}),
        "UserDataTooLarge",
    ),
    Case(
        "user-data-secret-missing",
        spec(userData={"secretRef": {"name": "nope", "key": "x"}}),
        "SecretNotFound",
    ),
    # What CEL would refuse (a cluster with an old CRD lets it through): the operator checks again.
    Case("flavor-name-and-id", spec(flavor={"name": "m1.small", "id": "1"}), "InvalidSpec"),
    Case("reserved-tag", spec(tags=["iop-uid-forged"]), "InvalidSpec"),
    Case("metadata-key-slash", spec(metadata={"a/b": "x"}), "InvalidSpec"),
    Case(
        "fixed-ip-with-port",
        spec(networks=[{"portID": UUID, "fixedIP": "10.0.0.9"}]),
        "InvalidSpec",
    ),
    # Absurd but valid: served.
    Case("unicode-name", spec(serverName="服务器-🚀-größe-שרת"), "Ready"),
    Case("control-char-name", spec(serverName="web\u202edlrow"), "RequestRejected"),
    Case("max-tags", spec(tags=[f"{i:02d}-" + "t" * 57 for i in range(49)]), "Ready"),
    Case("max-metadata", spec(metadata={f"key-{i:03d}": "v" * 255 for i in range(125)}), "Ready"),
    Case(
        "user-data-inline-48k", spec(userData={"inline": "#cloud-config\n" + "x" * 49_000}), "Ready"
    ),
    # Malformed annotations.
    Case("token-empty", annotated("reboot", ""), "Ready", ("reboot", "Failed")),
    Case("token-huge-snapshot", annotated("snapshot", "s" * 4000), "Ready", ("snapshot", "Failed")),
    Case("token-newlines", annotated("stop", "a\nb\tc"), "Stopped", ("stop", "Succeeded")),
]

HOSTILE_SECRETS = {
    "hostile-no-key": {"credentials": "x"},
    "hostile-not-yaml": {"clouds.yaml": "clouds: [unclosed"},
    "hostile-list": {"clouds.yaml": "- a\n- b\n"},
    "hostile-binary": {"clouds.yaml": "\x00\x01\x02\ufffd"},
    "hostile-no-auth-url": {
        "clouds.yaml": "clouds:\n  mycloud:\n    auth:\n      username: a\n      password: b\n"
    },
    "hostile-auth-type": {
        "clouds.yaml": "clouds:\n  mycloud:\n    auth_type: kerberos\n    auth:\n      auth_url: http://x/v3\n"
    },
    "hostile-user-data": {"big": "y" * 60_000},
}


@pytest.fixture
def box(tmp_path: Path) -> Iterator[Box]:
    cloud = example_cloud(Durations(build=0.5), faults={"latency": 0.005})
    flags = OperatorFlags(
        fast_poll_interval=0.3, user_error_retry=USER_ERROR_RETRY, log_level=LOG_LEVEL
    )
    with Sandbox(simulator=cloud, operator=flags, workdir=tmp_path).running() as running:
        # What CEL would refuse must reach the operator: the CRD as an older release had it.
        install_old_crd(running.cluster.api)
        yield running


def verdict(obj: dict[str, Any], action: str | None) -> str | None:
    """The Degraded reason, "Ready", "Stopped" (settled), or None while undecided (also while
    the Instance's ``action`` has not finished)."""
    status = obj.get("status") or {}
    record = (status.get("actions") or {}).get(action or "") or {}
    if action is not None and record.get("result") not in ("Succeeded", "Failed"):
        return None
    conditions = {c["type"]: c for c in status.get("conditions") or []}
    if conditions.get("Degraded", {}).get("status") == "True":
        return str(conditions["Degraded"]["reason"])
    if ready(obj):
        return "Ready"
    settled = conditions.get("Progressing", {}).get("status") == "False"
    return "Stopped" if settled and status.get("phase") == "Stopped" else None


def test_hostile_inputs_each_get_a_clear_condition(box: Box, report: dict[str, Any]) -> None:
    assert box.sim is not None
    good_secret = box.clouds_yaml
    for name, data in HOSTILE_SECRETS.items():
        box.cluster.put_secret(name, data)
    box.cluster.put_secret(
        "hostile-password",
        {"clouds.yaml": good_secret.replace("password: admin", "password: WRONG")},
    )
    expected = {f"{case.name}-{i}": case for case in CASES for i in range(SCALE.hostile_repeats)}
    create_all(box, [case.make(name) for name, case in expected.items()])
    good = {f"good-{i}" for i in range(5)}
    create_all(box, [web(n) for n in sorted(good)])
    wait_all_ready(box, good, timeout=60)  # served while the hostile ones fail

    seen: dict[str, str | None] = {}

    def decided() -> dict[str, str] | None:
        for obj in box.cluster.instances():
            case = expected.get(obj["metadata"]["name"])
            if case is not None:
                seen[obj["metadata"]["name"]] = verdict(
                    obj, case.action[0] if case.action else None
                )
        if any(seen.get(n) is None for n in expected):
            return None
        return {n: seen[n] or "" for n in expected}

    try:
        verdicts = box.cluster.wait("every hostile Instance to get a verdict", decided, timeout=120)
    except AssertionError:
        pytest.fail(f"no verdict for {sorted(n for n in expected if seen.get(n) is None)}")
    assert {
        n: (v, expected[n].reason) for n, v in verdicts.items() if v != expected[n].reason
    } == {}
    for name, case in expected.items():
        status = box.cluster.status(name)
        if case.action is not None:
            key, result = case.action
            record = status["actions"][key]
            assert record["result"] == result, (name, record)
            assert record["message"]
        kind = "Ready" if case.reason in ("Ready", "Stopped") else "Degraded"
        message = next(c["message"] for c in status["conditions"] if c["type"] == kind)
        assert len(message) > 20, (name, message)

    # No hot loop: over a quiet window, the broken Instances' retries stay a trickle.
    broken = [
        n
        for n, c in expected.items()
        if c.reason not in ("Ready", "Stopped", "InvalidSpec", "ServerError")
    ]
    before = box.sim.counters.count()
    time.sleep(SCALE.quiet_window)
    per_minute = (box.sim.counters.count() - before) * 60 / SCALE.quiet_window / max(1, len(broken))
    report["hostile_inputs"] = {
        "inputs": len(expected),
        "verdicts": dict(Counter(verdicts.values())),
        "good_instances_ready_meanwhile": len(good),
        "user_error_retry_s": USER_ERROR_RETRY,
        "openstack_requests_per_broken_instance_per_minute": round(per_minute, 2),
    }
    # A retry of a broken Instance costs at most a few lookups, and retries come every 10 s here.
    assert per_minute <= 3 * 60 / USER_ERROR_RETRY
    box.check()  # and the operator is still alive
