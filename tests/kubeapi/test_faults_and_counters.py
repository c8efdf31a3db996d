"""Fault injection and request accounting, in process and for the ``kube-api`` subprocess."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from kubernetes import client, config
from kubernetes.client.rest import ApiException

from instance_operator.kubeapi import KubeAPI
from instance_operator.kubeapi.testing import kube_api_process
from tests.kubeapi.conftest import GROUP, PLURAL, VERSION, widget

MERGE = "application/merge-patch+json"


def relabel(custom: client.CustomObjectsApi, value: str) -> None:
    custom.patch_namespaced_custom_object(
        GROUP,
        VERSION,
        "default",
        PLURAL,
        "w",
        {"metadata": {"labels": {"v": value}}},
        _content_type=MERGE,
    )


@pytest.mark.usefixtures("crd")
def test_next_n_conflicts_on_one_verb(api: KubeAPI, custom: client.CustomObjectsApi) -> None:
    api.faults.inject("conflict", verbs=["patch"], resource=PLURAL, count=2)
    custom.create_namespaced_custom_object(
        GROUP, VERSION, "default", PLURAL, widget("w")
    )  # creates pass
    for attempt in range(2):
        with pytest.raises(ApiException) as caught:
            relabel(custom, str(attempt))
        assert caught.value.status == 409
        assert '"reason":"Conflict"' in caught.value.body.replace(" ", "")
    relabel(custom, "ok")
    assert api.get(PLURAL, "w", "default")["metadata"]["labels"] == {"v": "ok"}  # type: ignore[index]
    assert api.faults.rules() == []

    assert api.counters.requests(verb="patch", resource=PLURAL) == 3
    assert (
        api.counters.requests(verb="create", resource=f"{PLURAL}.{GROUP}", namespace="default") == 1
    )
    assert api.counters.writes(PLURAL, "w", "default") == 4


@pytest.mark.usefixtures("crd")
def test_errors_hangs_and_latency(api: KubeAPI, custom: client.CustomObjectsApi) -> None:
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, widget("w"))
    api.faults.inject("error", resource="secrets")  # another resource: no effect here
    relabel(custom, "1")

    api.faults.clear()
    api.faults.inject("error", verbs=["patch"], count=1)
    with pytest.raises(ApiException) as caught:
        relabel(custom, "2")
    assert caught.value.status == 500
    assert "InternalError" in caught.value.body

    api.faults.inject("hang", verbs=["patch"], seconds=0.3, count=1)
    started = time.monotonic()
    with pytest.raises(ApiException) as caught:
        relabel(custom, "3")
    assert caught.value.status == 504
    assert time.monotonic() - started >= 0.3
    assert api.get(PLURAL, "w", "default")["metadata"]["labels"] == {"v": "1"}  # type: ignore[index]

    api.faults.inject("latency", seconds=0.2, verbs=["get"])
    started = time.monotonic()
    custom.get_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "w")
    assert time.monotonic() - started >= 0.2

    with pytest.raises(ValueError, match="unknown fault kind"):
        api.faults.inject("explode")
    with pytest.raises(ValueError, match="latency fault needs seconds"):
        api.faults.inject("latency")


def test_a_rate_fails_a_fraction(api: KubeAPI, core: client.CoreV1Api) -> None:
    api.faults.inject("error", verbs=["create"], resource="configmaps", rate=0.5)
    statuses = []
    for index in range(200):
        try:
            core.create_namespaced_config_map("default", {"metadata": {"name": f"c{index}"}})
        except ApiException as error:
            statuses.append(error.status)
    failed = len(statuses)
    assert set(statuses) == {500}
    assert 50 < failed < 150  # 100 expected; this band is more than 7 standard deviations wide
    assert len(api.objects("configmaps", "default")) == 200 - failed


def test_counters_by_verb_resource_subresource_namespace(
    api: KubeAPI, core: client.CoreV1Api
) -> None:
    core.create_namespaced_config_map("default", {"metadata": {"name": "c"}})
    core.read_namespaced_config_map("c", "default")
    core.list_config_map_for_all_namespaces()
    core.patch_namespace_status("default", {"metadata": {"labels": {"x": "y"}}})
    rows = api.counters.snapshot()["requests"]
    assert {
        (row["verb"], row["resource"], row["subresource"], row["namespace"]) for row in rows
    } == {
        ("create", "configmaps", "", "default"),
        ("get", "configmaps", "", "default"),
        ("list", "configmaps", "", ""),
        ("patch", "namespaces", "status", ""),
    }
    api.counters.reset()
    assert api.counters.requests() == 0


def test_the_subprocess_and_its_http_controls(tmp_path: Path) -> None:
    with kube_api_process(tmp_path, bookmark_interval=0.5) as server:
        assert server.url.startswith("http://127.0.0.1:")
        api_client = config.new_client_from_config(config_file=str(server.kubeconfig))
        core = client.CoreV1Api(api_client)
        server.faults.inject("conflict", verbs=["create"], resource="secrets", count=1)
        assert [rule["kind"] for rule in server.faults.rules()] == ["conflict"]
        with pytest.raises(ApiException) as caught:
            core.create_namespaced_secret("default", {"metadata": {"name": "s"}})
        assert caught.value.status == 409
        core.create_namespaced_secret("default", {"metadata": {"name": "s"}})
        assert server.counters.requests(verb="create", resource="secrets") == 2
        assert server.counters.writes("secrets", "s", "default") == 2
        with pytest.raises(ValueError, match="rate"):
            server.faults.inject("error", rate=2.0)
        server.counters.reset()
        server.faults.clear()
        assert server.counters.snapshot() == {"requests": [], "writes": []}
        api_client.close()
        process = server.process
    assert process.returncode == 0  # SIGTERM is a clean stop
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/version", timeout=2)


def test_bearer_token(tmp_path: Path) -> None:
    with KubeAPI(token="s3cret").running() as api:
        assert requests.get(api.url + "/api/v1/namespaces", timeout=5).status_code == 401
        api_client = config.new_client_from_config(
            config_file=str(api.write_kubeconfig(tmp_path / "kc"))
        )
        names = [ns.metadata.name for ns in client.CoreV1Api(api_client).list_namespace().items]
        assert names == ["default"]
        api_client.close()
