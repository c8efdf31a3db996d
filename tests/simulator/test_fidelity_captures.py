"""Replays the captured lifecycle (``flows/``) and error answers (``errors/``) of a real cloud.

Each step checks the status code, the headers the capture shows, and the body's shape; the
conflict messages are compared word for word.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from instance_operator.simulator import Simulator
from instance_operator.simulator.config import Durations, ImageSeed, fast_config
from instance_operator.simulator.timefmt import isotime
from tests.simulator.client import TIMEOUT, OpenStack, password_body
from tests.simulator.samples import load, needs_samples
from tests.simulator.shapes import shape_diff

pytestmark = needs_samples

#: Headers whose values must be equal, not just present.
EXACT = ("content-type", "openstack-api-version", "x-openstack-nova-api-version", "vary")


def check(capture: str, response: requests.Response) -> dict[str, Any]:
    """Assert ``response`` matches the capture; returns the capture for further checks."""
    expected = load(capture)
    assert response.status_code == expected["status"], (capture, response.text)
    for name, value in expected.get("headers", {}).items():
        assert name in response.headers, (capture, name)
        if name.lower() in EXACT:
            assert response.headers[name] == value, (capture, name)
        if name.lower().endswith("request-id"):
            assert response.headers[name].startswith("req-")
            assert len(response.headers[name]) == 40
    if "body_text" in expected:
        assert response.headers["Content-Type"].startswith("text/html")
    elif expected.get("body") is None:
        assert response.content == b"", capture
    else:
        assert shape_diff(expected["body"], response.json()) == [], capture
    return expected


@pytest.fixture(scope="module")
def cloud() -> Iterator[Simulator]:
    durations = Durations(
        build=0.3, stop=0.1, start=0.1, reboot=0.1, hard_reboot=0.3, resize=0.1,
        confirm_resize=0.1, snapshot_queued=0.3, snapshot_upload=0.1, delete=0.3,
    )  # fmt: skip
    config = fast_config(durations=durations, images=[ImageSeed(name="cirros")])
    with Simulator(config).running() as sim:
        yield sim


def test_the_captured_server_lifecycle(cloud: Simulator) -> None:
    """Each transitional state is read with the clock stopped, then the clock is stepped by the
    configured duration, so no capture races a 100 ms window."""
    since = isotime(cloud.clock.freeze() - 2)
    try:
        _captured_lifecycle(cloud, since)
    finally:
        cloud.clock.resume()


def _captured_lifecycle(cloud: Simulator, since: str) -> None:
    steps = cloud.config.durations
    token = requests.post(
        f"{cloud.auth_url}/auth/tokens",
        json=password_body("admin", "admin", "admin"),
        timeout=TIMEOUT,
    )
    check("flows/01-keystone-token.json", token)
    with OpenStack.login(cloud.auth_url, "admin", "admin") as nova:
        body = {
            "server": {
                "name": "web-1", "flavorRef": nova.flavor_id("m1.tiny"), "imageRef": nova.image_id("cirros"),
                "networks": "none", "metadata": {"instance-operator.dev:name": "web-1"},
                "tags": ["iop-uid-0f1c7a52-2b1e-4c55-9a70-4f0e7e1b3c11"],
            }
        }  # fmt: skip
        created = nova.post("compute", "/servers", json=body)
        check("flows/02-server-create.json", created)
        server_id = created.json()["server"]["id"]
        assert created.headers["location"] == f"{nova.endpoints['compute']}/servers/{server_id}"
        path = f"/servers/{server_id}"
        check("flows/03-server-show-building.json", nova.get("compute", path))
        cloud.clock.advance(steps.build)
        nova.wait_for(server_id, "ACTIVE")
        check("flows/04-server-show-active.json", nova.get("compute", path))
        tagged = nova.get("compute", "/servers/detail", params={"tags": body["server"]["tags"][0]})
        check("flows/05-servers-detail-by-tag.json", tagged)
        start = nova.action(server_id, {"os-start": None})
        expected = check("flows/06-server-start-conflict.json", start)
        assert start.json() == _with_id(
            expected["body"], "f4d1de75-0a3f-4e10-b721-7dcd7ead69ea", server_id
        )
        check("flows/07-server-stop.json", nova.action(server_id, {"os-stop": None}))
        cloud.clock.advance(steps.stop)
        nova.wait_for(server_id, "SHUTOFF")
        check("flows/08-server-show-shutoff.json", nova.get("compute", path))
        soft = nova.action(server_id, {"reboot": {"type": "SOFT"}})
        expected = check("flows/09-server-reboot-while-shutoff.json", soft)
        assert soft.json() == _with_id(
            expected["body"], "f4d1de75-0a3f-4e10-b721-7dcd7ead69ea", server_id
        )
        check("flows/10-server-start.json", nova.action(server_id, {"os-start": None}))
        cloud.clock.advance(steps.start)
        nova.wait_for(server_id, "ACTIVE")
        check(
            "flows/11-server-reboot-hard.json", nova.action(server_id, {"reboot": {"type": "HARD"}})
        )
        rebooting = nova.get("compute", path)
        check("flows/12-server-show-rebooting.json", rebooting)
        assert rebooting.json()["server"]["status"] == "HARD_REBOOT"
        cloud.clock.advance(steps.hard_reboot)
        nova.wait_for(server_id, "ACTIVE")
        snapshot = nova.action(server_id, {"createImage": {"name": "web-1-snap", "metadata": {}}})
        check("flows/13-server-create-image.json", snapshot)
        image_path = f"/v2/images/{snapshot.json()['image_id']}"
        queued = nova.get("image", image_path)
        check("flows/14-glance-image-show-snapshot.json", queued)
        assert queued.json()["status"] == "queued"
        cloud.clock.advance(steps.snapshot_queued + steps.snapshot_upload)
        active = nova.get("image", image_path)
        check("flows/15-glance-image-show-active.json", active)
        assert active.json()["status"] == "active"
        nova.wait_for(server_id, "ACTIVE")
        check(
            "flows/16-server-metadata-put.json",
            nova.put("compute", f"{path}/metadata", json={"metadata": {"team": "a"}}),
        )
        tags = nova.put(
            "compute", f"{path}/tags", json={"tags": [body["server"]["tags"][0], "e2e"]}
        )
        check("flows/17-server-tags-put.json", tags)
        assert tags.json()["tags"][0] == "e2e"
        check(
            "flows/18-server-update-name.json",
            nova.put("compute", path, json={"server": {"name": "web-1-renamed"}}),
        )
        check("flows/19-server-delete.json", nova.delete("compute", path))
        lingering = nova.get("compute", path)
        check("flows/20-server-show-after-delete.json", lingering)
        assert lingering.json()["server"]["OS-EXT-STS:task_state"] == "deleting"
        cloud.clock.advance(steps.delete)
        nova.wait_gone(server_id)
        changed = nova.get("compute", "/servers/detail", params={"changes-since": since})
        check("flows/21-servers-detail-changes-since.json", changed)
        assert changed.json()["servers"][0]["status"] == "DELETED"
        check(
            "flows/22-servers-detail-paged.json",
            nova.get("compute", "/servers/detail", params={"limit": 1}),
        )


def _with_id(body: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    ((name, fault),) = body.items()
    return {name: {**fault, "message": fault["message"].replace(old, new)}}


def test_the_captured_error_answers(cloud: Simulator) -> None:
    base = cloud.base_url
    check("errors/keystone-versions.json", requests.get(f"{base}/identity", timeout=TIMEOUT))
    wrong = requests.post(
        f"{cloud.auth_url}/auth/tokens",
        json=password_body("admin", "nope", "admin"),
        timeout=TIMEOUT,
    )
    check("errors/keystone-wrong-password.json", wrong)
    check("errors/nova-versions.json", requests.get(f"{base}/compute/", timeout=TIMEOUT))
    bad_token = requests.get(
        f"{base}/compute/v2.1/servers", headers={"X-Auth-Token": "nope"}, timeout=TIMEOUT
    )
    check("errors/nova-bad-token.json", bad_token)
    with OpenStack.login(cloud.auth_url, "admin", "admin") as nova:
        project = nova.get(
            "identity", f"{base}/identity/v3/projects/186340c580804773b3e09aaedee5df4e"
        )
        check("errors/keystone-unknown-project.json", project)
        latest = nova.get("compute", "/flavors", version="latest")
        check("errors/nova-microversion-latest.json", latest)
        check(
            "errors/nova-microversion-unsupported.json",
            nova.get("compute", "/servers", version="2.999"),
        )
        missing = nova.get(
            "compute", "/servers/9fcbfa18-10c7-4959-b2c0-a355d92e4ebf", version="2.1"
        )
        assert check("errors/nova-server-not-found.json", missing)["body"] == missing.json()
        html = nova.get("image", "/v2/images/bdbb9850-6ea1-4b11-84d8-4959c853edd3")
        assert check("errors/glance-image-not-found-html.json", html)["body_text"] == html.text
        as_json = nova.get(
            "image",
            "/v2/images/1bd6158e-8928-4af4-bc90-fd78c651b170",
            headers={"Accept": "application/json"},
        )
        assert check("errors/glance-image-not-found-json.json", as_json)["body"] == as_json.json()
        flavor, image = nova.flavor_id("m1.tiny"), nova.image_id("cirros")
        for capture, server in (
            ("errors/nova-create-missing-flavorref.json", {"name": "x"}),
            ("errors/nova-create-unknown-flavor.json", {"name": "x", "flavorRef": "nonexistent-flavor", "imageRef": image, "networks": "none"}),
            ("errors/nova-create-unknown-image.json", {"name": "x", "flavorRef": flavor, "imageRef": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "networks": "none"}),
            ("errors/nova-create-bad-tag.json", {"name": "x", "flavorRef": flavor, "imageRef": image, "networks": "none", "tags": ["a/b"]}),
            ("errors/nova-create-bad-metadata-key.json", {"name": "web-1", "flavorRef": flavor, "imageRef": image, "networks": "none", "metadata": {"instance-operator.dev/name": "web-1"}}),
        ):  # fmt: skip
            response = nova.post("compute", "/servers", json={"server": server})
            assert check(capture, response)["body"] == response.json()
