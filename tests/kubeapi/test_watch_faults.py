"""The watch faults as a client sees them: ``gone`` (410 on resume), ``cut`` (a reset stream) and
``down`` (the whole server gone, then back on its port with the same objects)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from instance_operator.kubeapi import KubeAPI
from instance_operator.kubeapi.testing import kube_api_process
from instance_operator.sandbox import wait_for
from tests.kubeapi.conftest import GROUP, PLURAL, VERSION, widget

WIDGETS = f"/apis/{GROUP}/{VERSION}/namespaces/default/{PLURAL}"
#: Generous: a stream's end or a reset arrives at once, but the machine may be loaded.
PATIENCE = 30.0


def create(custom: client.CustomObjectsApi, *names: str) -> list[str]:
    """Create widgets; their resourceVersions."""
    made = [
        custom.create_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, widget(name))
        for name in names
    ]
    return [obj["metadata"]["resourceVersion"] for obj in made]


def events(lines: Iterator[bytes]) -> Iterator[dict[str, Any]]:
    return (json.loads(line) for line in lines if line)


class RawStream:
    """A watch read straight off the socket, to see how it ends: FIN, or a reset."""

    def __init__(self, url: str, path: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=PATIENCE)
        request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
        self.sock.sendall(request.encode())
        self.received = b""

    def read_to_end(self) -> str:
        """Everything until the server ends the connection: ``"reset"`` or ``"closed"``."""
        try:
            while chunk := self.sock.recv(65536):
                self.received += chunk
        except ConnectionResetError:
            return "reset"
        finally:
            self.sock.close()
        return "closed"

    def body(self) -> bytes:
        """The chunked body, decoded; an incomplete last chunk contributes what arrived."""
        raw = self.received.split(b"\r\n\r\n", 1)[1]
        body = b""
        while raw:
            size_line, _, raw = raw.partition(b"\r\n")
            size = int(size_line, 16)
            body += raw[:size]
            raw = raw[size + 2 :]
        return body

    def announced_and_sent(self) -> tuple[int, int]:
        """The size the last chunk announced, and how many of its bytes came."""
        raw = self.received.split(b"\r\n\r\n", 1)[1]
        while True:
            size_line, _, raw = raw.partition(b"\r\n")
            size = int(size_line, 16)
            if len(raw) <= size:
                return size, len(raw)
            raw = raw[size + 2 :]


# --- gone -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("crd")
def test_gone_ends_open_watches_and_a_resume_from_before_gets_410(
    api: KubeAPI, custom: client.CustomObjectsApi
) -> None:
    first, current = create(custom, "a", "b")
    stream = requests.get(f"{api.url}{WIDGETS}?watch=true", stream=True, timeout=PATIENCE)
    lines = stream.iter_lines()
    assert [json.loads(next(lines))["type"] for _ in range(2)] == ["ADDED", "ADDED"]

    api.faults.inject("gone", resource=PLURAL)
    assert list(lines) == []  # ended cleanly, as the API server ends its watches on a re-init

    resumed = requests.get(
        f"{api.url}{WIDGETS}?watch=true&resourceVersion={first}", stream=True, timeout=PATIENCE
    )
    assert resumed.status_code == 200  # the 410 comes as the one event of the stream
    assert list(events(resumed.iter_lines())) == [
        {
            "type": "ERROR",
            "object": {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": f"too old resource version: {first} ({current})",
                "reason": "Expired",
                "code": 410,
            },
        }
    ]
    # The kubernetes client turns it into an ApiException.
    with pytest.raises(ApiException) as caught:
        for _ in watch.Watch().stream(
            custom.list_namespaced_custom_object,
            GROUP,
            VERSION,
            "default",
            PLURAL,
            resource_version=first,
            timeout_seconds=5,
        ):
            pass
    assert caught.value.status == 410
    assert caught.value.reason == f"Expired: too old resource version: {first} ({current})"

    # From the current resourceVersion on, watches resume as before.
    (later,) = create(custom, "c")
    fresh = requests.get(
        f"{api.url}{WIDGETS}?watch=true&resourceVersion={current}&timeoutSeconds=1",
        stream=True,
        timeout=PATIENCE,
    )
    got = [
        (e["type"], e["object"]["metadata"]["resourceVersion"]) for e in events(fresh.iter_lines())
    ]
    assert got == [("ADDED", later)]


@pytest.mark.usefixtures("crd")
def test_gone_expires_continue_tokens_from_before(
    api: KubeAPI, custom: client.CustomObjectsApi
) -> None:
    create(custom, "a", "b")
    page = custom.list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, limit=1)
    assert [item["metadata"]["name"] for item in page["items"]] == ["a"]
    create(custom, "c")
    api.faults.inject("gone", resource=f"{PLURAL}.{GROUP}")
    with pytest.raises(ApiException) as caught:
        custom.list_namespaced_custom_object(
            GROUP, VERSION, "default", PLURAL, limit=1, _continue=page["metadata"]["continue"]
        )
    assert caught.value.status == 410
    status = json.loads(caught.value.body)
    assert status["reason"] == "Expired"
    assert status["message"].startswith(
        "The provided continue parameter is too old to display a consistent list result. You can"
        " start a new list without the continue parameter, or use the continue token in this"
        " response to retrieve the remainder of the results."
    )
    # The token in the answer goes on after "a", from the current state.
    rest = custom.list_namespaced_custom_object(
        GROUP, VERSION, "default", PLURAL, _continue=status["metadata"]["continue"]
    )
    assert [item["metadata"]["name"] for item in rest["items"]] == ["b", "c"]
    assert (
        rest["metadata"]["resourceVersion"]
        == api.get(PLURAL, "c", "default")["metadata"][  # type: ignore[index]
            "resourceVersion"
        ]
    )


@pytest.mark.usefixtures("crd")
def test_gone_for_one_resource_leaves_the_others(
    api: KubeAPI, core: client.CoreV1Api, custom: client.CustomObjectsApi
) -> None:
    (rv,) = create(custom, "a")
    api.faults.inject("gone", resource="secrets")
    resumed = requests.get(
        f"{api.url}{WIDGETS}?watch=true&resourceVersion={int(rv) - 1}&timeoutSeconds=1",
        stream=True,
        timeout=PATIENCE,
    )
    assert [e["type"] for e in events(resumed.iter_lines())] == ["ADDED"]


# --- cut ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("crd")
def test_a_cut_resets_the_stream_after_n_events(
    api: KubeAPI, custom: client.CustomObjectsApi
) -> None:
    create(custom, "a", "b", "c")
    api.faults.inject("cut", resource=PLURAL, events=2, count=1)
    stream = RawStream(api.url, f"{WIDGETS}?watch=true")
    assert stream.read_to_end() == "reset"
    body = stream.body()
    assert body.endswith(b"\n")  # complete events only
    names = [e["object"]["metadata"]["name"] for e in events(iter(body.splitlines()))]
    assert names == ["a", "b"]

    # count=1: the next watch is whole, and ends as the API server ends it (no reset).
    whole = RawStream(api.url, f"{WIDGETS}?watch=true&timeoutSeconds=1")
    assert whole.read_to_end() == "closed"
    assert len(whole.body().splitlines()) == 3


@pytest.mark.usefixtures("crd")
def test_a_cut_reaches_the_watches_already_open(
    api: KubeAPI, custom: client.CustomObjectsApi
) -> None:
    (rv,) = create(custom, "a")
    open_stream = RawStream(api.url, f"{WIDGETS}?watch=true&resourceVersion={rv}")
    other = RawStream(
        api.url, f"/api/v1/namespaces?watch=true&resourceVersion={rv}&timeoutSeconds=2"
    )
    wait_for("the watches to be served", lambda: api.open_watches(PLURAL) == 1, PATIENCE)
    wait_for("the watches to be served", lambda: api.open_watches("namespaces") == 1, PATIENCE)
    api.faults.inject("cut", resource=PLURAL, events=1, count=1)
    create(custom, "b", "c")
    assert open_stream.read_to_end() == "reset"
    names = [e["object"]["metadata"]["name"] for e in events(iter(open_stream.body().splitlines()))]
    assert names == ["b"]
    assert other.read_to_end() == "closed"  # another resource: left alone
    assert api.faults.rules() == []  # its one firing spent on the open watch


@pytest.mark.usefixtures("crd")
def test_a_midway_cut_falls_inside_an_event(api: KubeAPI, custom: client.CustomObjectsApi) -> None:
    create(custom, "a", "b")
    api.faults.inject("cut", events=1, midway=True, count=1)
    stream = RawStream(api.url, f"{WIDGETS}?watch=true")
    assert stream.read_to_end() == "reset"
    first, partial = stream.body().split(b"\n", 1)
    assert json.loads(first)["object"]["metadata"]["name"] == "a"
    announced, sent = stream.announced_and_sent()
    assert 0 < sent < announced
    assert partial == stream.body()[-sent:]

    # What the kubernetes client sees: an error after the first event, never a half event.
    api.faults.inject("cut", events=1, midway=True, count=1)
    seen: list[str] = []
    stream_events = watch.Watch().stream(
        custom.list_namespaced_custom_object, GROUP, VERSION, "default", PLURAL
    )
    with pytest.raises(Exception) as caught:  # noqa: PT011 - urllib3's, whatever its class
        seen.extend(event["object"]["metadata"]["name"] for event in stream_events)
    assert seen == ["a"]
    assert "reset" in repr(caught.value).lower() or "broken" in repr(caught.value).lower()


@pytest.mark.usefixtures("crd")
def test_a_cut_after_a_random_delay_resets_an_idle_stream(api: KubeAPI) -> None:
    api.faults.inject("cut", seconds=0.5)
    # Nothing happens on this watch: only the cut can end it before its own timeout.
    stream = RawStream(api.url, f"{WIDGETS}?watch=true&resourceVersion=1&timeoutSeconds=25")
    assert stream.read_to_end() == "reset"
    assert stream.body() == b""


def test_bad_faults_are_refused_with_a_reason(api: KubeAPI) -> None:
    for kind, options, words in [
        ("cut", {"verbs": ["list"]}, "watches only"),
        ("cut", {"events": -1}, "events must not be negative"),
        ("error", {"midway": True}, "cut fault only"),
        ("gone", {"count": 2}, "takes only resource; drop count"),
        ("down", {}, "needs seconds > 0"),
        ("down", {"seconds": 1, "resource": "secrets"}, "drop resource"),
        ("gone", {"resource": "gizmos"}, "no served resource"),
    ]:
        with pytest.raises(ValueError, match=words):
            api.faults.inject(kind, **options)
    assert api.faults.rules() == []


# --- down -----------------------------------------------------------------------------------


def refused(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=PATIENCE).close()
    except ConnectionRefusedError:
        return True
    return False


def idle_keep_alive(url: str) -> socket.socket:
    """A connection that has had its answer and stays open for the next request."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=PATIENCE)
    sock.sendall(f"GET /version HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    answer = b""
    while b"}" not in answer:
        answer += sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 200")
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    try:
        closed = sock.recv(65536) == b""
    except ConnectionResetError:
        closed = True
    sock.close()
    return closed


@pytest.mark.usefixtures("crd")
def test_down_drops_everything_refuses_connections_then_serves_the_same_state(
    api: KubeAPI, custom: client.CustomObjectsApi
) -> None:
    (rv,) = create(custom, "a")
    before = custom.list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL)
    stream = RawStream(api.url, f"{WIDGETS}?watch=true&resourceVersion={rv}")
    keep_alive = idle_keep_alive(api.url)

    api.faults.inject("down", seconds=5)
    assert stream.read_to_end() in ("reset", "closed")  # dropped, without an end chunk
    assert not stream.received.endswith(b"0\r\n\r\n")
    # The listener closed before the watch dropped: connections are refused for 5 s.
    assert refused(api.url)

    wait_for("the API server to serve again", lambda: not refused(api.url), PATIENCE)
    after = custom.list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL)
    assert after["items"] == before["items"]
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    # The idle keep-alive connection was closed with the rest.
    assert closed_by_server(keep_alive)
    # A fresh watch cache: resuming from before the outage is 410.
    resumed = requests.get(
        f"{api.url}{WIDGETS}?watch=true&resourceVersion={int(rv) - 1}", timeout=PATIENCE
    )
    assert [e["object"]["code"] for e in events(iter(resumed.content.splitlines()))] == [410]
    (later,) = create(custom, "b")
    assert int(later) == int(rv) + 1


def test_down_in_the_subprocess_keeps_its_port(tmp_path: Path) -> None:
    with kube_api_process(tmp_path) as api:
        requests.post(
            f"{api.url}/api/v1/namespaces",
            json={"metadata": {"name": "kept"}},
            timeout=PATIENCE,
        ).raise_for_status()
        stream = RawStream(api.url, "/api/v1/namespaces?watch=true")
        api.faults.inject("down", seconds=3)  # answered before the listener closes
        stream.read_to_end()
        assert refused(api.url)
        wait_for("the API server to serve again", lambda: not refused(api.url), PATIENCE)
        kept = requests.get(f"{api.url}/api/v1/namespaces/kept", timeout=PATIENCE)
        assert kept.status_code == 200
        assert api.faults.rules() == []


def test_a_down_server_cannot_go_down_again(api: KubeAPI) -> None:
    api.faults.inject("down", seconds=5)
    with pytest.raises(ValueError, match="already down"):
        api.faults.inject("down", seconds=1)
    # The fixture's teardown then stops the server mid-outage.
