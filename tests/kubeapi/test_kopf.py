"""kopf itself, as a subprocess with a kubeconfig, against the emulated API.

Nothing of kopf is disabled: it scans discovery, watches CRDs (and namespaces when restricted
to some), lists then watches its resource, patches with merge and JSON patches, and posts events.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from instance_operator.kubeapi import KubeAPI
from tests.kubeapi.conftest import GROUP, KOPF_PEERING_CRDS, PLURAL, VERSION, widget

OPERATOR = f'''
import os
import pathlib

import kopf

LOG = pathlib.Path(os.environ["WIDGET_LOG"])
WHO = os.environ.get("WIDGET_OPERATOR", "op")


def record(line):
    with LOG.open("a") as log:
        log.write(f"{{WHO}} {{line}}\\n")


@kopf.on.startup()
def configure(settings, **_):
    settings.watching.server_timeout = 2  # reconnect from the last resourceVersion, often
    settings.watching.client_timeout = 5
    settings.persistence.finalizer = "example.dev/widget-finalizer"
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix="example.dev")
    settings.peering.lifetime = 5


@kopf.on.create("{GROUP}", "{VERSION}", "{PLURAL}")
def made(name, body, retry, **_):
    record(f"create {{name}} retry={{retry}}")
    if body["metadata"].get("labels", {{}}).get("flaky") and retry == 0:
        raise kopf.TemporaryError("not yet", delay=1)
    kopf.info(body, reason="Made", message=f"made {{name}}")
    return {{"size": body["spec"]["size"]}}


@kopf.on.update("{GROUP}", "{VERSION}", "{PLURAL}", field="spec.size")
def resized(name, old, new, **_):
    record(f"update {{name}} {{old}}->{{new}}")


@kopf.on.delete("{GROUP}", "{VERSION}", "{PLURAL}")
def removed(name, **_):
    record(f"delete {{name}}")
'''

MERGE = "application/merge-patch+json"


def wait_for(what: str, check: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def kopf_run(
    tmp_path: Path, kubeconfig: Path, *args: str, who: str = "op"
) -> Iterator[subprocess.Popen[bytes]]:
    operator = tmp_path / "operator.py"
    operator.write_text(OPERATOR)
    env = {
        **os.environ,
        "KUBECONFIG": str(kubeconfig),
        "WIDGET_LOG": str(tmp_path / "handled.log"),
        "WIDGET_OPERATOR": who,
    }
    with (tmp_path / f"kopf-{who}.log").open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "kopf", "run", "--verbose", *args, str(operator)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def handled(tmp_path: Path) -> list[str]:
    log = tmp_path / "handled.log"
    return log.read_text().splitlines() if log.exists() else []


@pytest.mark.usefixtures("crd")
def test_handlers_run_exactly_once_across_a_restart(
    api: KubeAPI,
    kubeconfig: Path,
    custom: client.CustomObjectsApi,
    core: client.CoreV1Api,
    tmp_path: Path,
) -> None:
    def status(name: str) -> dict[str, Any]:
        found = api.get(PLURAL, name, "default")
        return (found or {}).get("status", {})

    def create(name: str, **labels: str) -> None:
        custom.create_namespaced_custom_object(
            GROUP, VERSION, "default", PLURAL, widget(name, **labels)
        )

    def resize(name: str, size: int) -> None:
        custom.patch_namespaced_custom_object(
            GROUP, VERSION, "default", PLURAL, name, {"spec": {"size": size}}, _content_type=MERGE
        )

    with kopf_run(tmp_path, kubeconfig, "--standalone", "--all-namespaces"):
        create("w1")
        wait_for("w1 created", lambda: status("w1").get("made"))
        created = api.get(PLURAL, "w1", "default")
        assert created is not None
        assert created["metadata"]["finalizers"] == ["example.dev/widget-finalizer"]
        assert "kopf.zalando.org/last-handled-configuration" in created["metadata"]["annotations"]

        create("flaky", flaky="yes")
        progress = wait_for(
            "a progress annotation while the handler waits to retry",
            lambda: (
                (api.get(PLURAL, "flaky", "default") or {})
                .get("metadata", {})
                .get("annotations", {})
                .get("example.dev/made")
            ),
        )
        assert json.loads(progress)["retries"] == 1
        wait_for("flaky created", lambda: status("flaky").get("made"))
        flaky_annotations = api.get(PLURAL, "flaky", "default")["metadata"]["annotations"]  # type: ignore[index]
        assert "example.dev/made" not in flaky_annotations  # purged once done

        resize("w1", 2)
        wait_for("w1 resized", lambda: "op update w1 1->2" in handled(tmp_path))

    # While no operator runs: a new object and a change.
    create("w2")
    resize("w1", 3)
    with kopf_run(tmp_path, kubeconfig, "--standalone", "--all-namespaces"):
        wait_for("w2 created", lambda: status("w2").get("made"))
        wait_for("w1 resized again", lambda: "op update w1 2->3" in handled(tmp_path))
        custom.delete_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "w1")
        wait_for("w1 released", lambda: api.get(PLURAL, "w1", "default") is None)

    # Each object's handlers run in order; different objects' handlers interleave freely.
    assert handled(tmp_path)[:4] == [
        "op create w1 retry=0",
        "op create flaky retry=0",
        "op create flaky retry=1",
        "op update w1 1->2",
    ]
    assert sorted(handled(tmp_path)[4:]) == [
        "op create w2 retry=0",
        "op delete w1",
        "op update w1 2->3",
    ]
    events = core.list_namespaced_event("default", field_selector="involvedObject.name=w2")
    assert [(event.reason, event.message) for event in events.items] == [("Made", "made w2")]


@pytest.mark.usefixtures("crd")
def test_two_operators_with_peering(
    api: KubeAPI,
    kubeconfig: Path,
    api_client: client.ApiClient,
    custom: client.CustomObjectsApi,
    tmp_path: Path,
) -> None:
    extensions = client.ApiextensionsV1Api(api_client)
    for crd in KOPF_PEERING_CRDS:
        extensions.create_custom_resource_definition(copy.deepcopy(crd))
    custom.create_namespaced_custom_object(
        "kopf.dev", "v1", "default", "kopfpeerings", {"metadata": {"name": "default"}}
    )

    def peers() -> dict[str, Any]:
        return (api.get("kopfpeerings", "default", "default") or {}).get("status", {})

    with kopf_run(tmp_path, kubeconfig, "--namespace", "default", "--priority", "10", who="high"):
        wait_for("the first peer", lambda: len(peers()) == 1)
        with kopf_run(tmp_path, kubeconfig, "--namespace", "default", "--priority", "0", who="low"):
            wait_for("both peers", lambda: len(peers()) == 2)
            wait_for(
                "the low-priority operator to pause",
                lambda: (
                    "Pausing operations in favour of" in (tmp_path / "kopf-low.log").read_text()
                ),
            )
            custom.create_namespaced_custom_object(
                GROUP, VERSION, "default", PLURAL, widget("shared")
            )
            wait_for(
                "shared created", lambda: (api.get(PLURAL, "shared", "default") or {}).get("status")
            )
            time.sleep(0.5)
        wait_for("the low-priority peer to leave", lambda: len(peers()) == 1)
    assert handled(tmp_path) == ["high create shared retry=0"]
