"""The captures from a real Keystone 30 / Nova 34 / Glance 33 (``errors/`` and ``flows/``):
every error answer becomes the right exception with the service's message and request ID, and
every body of the server lifecycle parses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from instance_operator.openstack import errors
from instance_operator.openstack.auth import TokenBody
from instance_operator.openstack.catalog import Catalog
from instance_operator.openstack.compute.servers import (
    CreatedImage,
    CreatedServer,
    CreateOpts,
)
from instance_operator.openstack.image.images import Image
from instance_operator.openstack.microversion import server_range
from instance_operator.openstack.pagination import next_link
from instance_operator.openstack.transport import request_id
from tests.openstack.samples import files, load, needs_samples
from tests.openstack.test_samples import check_server

pytestmark = needs_samples

ERROR_CAPTURES = [f for f in files("errors/*.json") if load(f)["status"] >= 400]

EXPECTED_CLASS = {
    400: errors.BadRequest,
    401: errors.Unauthorized,
    404: errors.NotFound,
    406: errors.NotAcceptable,
    409: errors.Conflict,
}


def _error(capture: dict[str, Any]) -> errors.HttpError:
    body = (
        capture["body_text"].encode()
        if "body_text" in capture
        else json.dumps(capture["body"]).encode()
    )
    headers = capture["headers"]
    method, url = capture["request"].split(" ", 1)
    return errors.http_error(
        status_code=capture["status"],
        body=body,
        content_type=headers.get("Content-Type", ""),
        method=method,
        url=url,
        request_id=request_id({k.lower(): v for k, v in headers.items()}),
    )


def _documented_message(capture: dict[str, Any]) -> str:
    if "body_text" in capture:
        return capture["body_text"]
    body = capture["body"]
    if isinstance(body.get("message"), str):
        return body["message"]
    ((_, inner),) = body.items()
    return inner["message"]


@pytest.mark.parametrize("path", ERROR_CAPTURES + files("flows/*.json"))
def test_error_answers(path: str) -> None:
    capture = load(path)
    if capture["status"] < 400:
        return
    error = _error(capture)
    assert type(error) is EXPECTED_CLASS[capture["status"]]
    assert error.status_code == capture["status"]
    assert error.message
    assert "<" not in error.message  # markup stripped, from HTML pages and Glance's <br />
    documented = " ".join(_documented_message(capture).replace("<br />", " ").split())
    assert error.message in documented
    assert error.request_id is not None
    assert error.request_id in capture["headers"].values()
    assert error.method in capture["request"]
    assert error.request_id in str(error)


def test_glance_html_and_json_give_the_same_message() -> None:
    html = _error(load("errors/glance-image-not-found-html.json"))
    as_json = _error(load("errors/glance-image-not-found-json.json"))
    assert html.message.startswith("No image found with ID")
    assert as_json.message.startswith("No image found with ID")
    assert "404 Not Found" not in html.message


def test_fault_keys() -> None:
    assert _error(load("errors/nova-server-not-found.json")).fault == "itemNotFound"
    assert _error(load("errors/nova-microversion-unsupported.json")).fault == "computeFault"
    assert _error(load("errors/keystone-wrong-password.json")).fault == "error"
    assert _error(load("flows/06-server-start-conflict.json")).fault == "conflictingRequest"


def test_version_documents() -> None:
    nova = load("errors/nova-versions.json")["body"]
    offered = server_range(nova)
    current = next(v for v in nova["versions"] if v["id"] == "v2.1")
    assert str(offered.maximum) == current["version"]
    with pytest.raises(errors.MicroversionUnsupported):
        server_range(load("errors/keystone-versions.json")["body"])


def test_token_flow() -> None:
    capture = load("flows/01-keystone-token.json")
    token = TokenBody.parse(capture["body"]["token"])
    catalog = Catalog(services=token.catalog)
    for service in capture["body"]["token"]["catalog"]:
        url = next(e["url"] for e in service["endpoints"] if e["interface"] == "public")
        assert catalog.url_for(service["type"], region="RegionOne") == url.rstrip("/")
    assert token.project is not None
    assert token.project.id == capture["body"]["token"]["project"]["id"]


@pytest.mark.parametrize(
    "path",
    [f for f in files("flows/*.json") if "server" in (load(f).get("body") or {})],
)
def test_server_flows(path: str) -> None:
    capture = load(path)
    raw = capture["body"]["server"]
    if capture["status"] == 202:
        assert CreatedServer.parse(raw).id == raw["id"]
    else:
        server = check_server(raw)
        assert server.status == raw["status"]


@pytest.mark.parametrize(
    "path",
    [f for f in files("flows/*.json") if "servers" in (load(f).get("body") or {})],
)
def test_server_list_flows(path: str) -> None:
    capture = load(path)
    servers = [check_server(raw) for raw in capture["body"]["servers"]]
    if "changes-since" in capture["request"]:
        assert [s.status for s in servers] == ["DELETED"]
        assert servers[0].vm_state == "deleted"
    assert next_link(capture["body"], "servers") is None


def test_create_flow_request_is_what_the_client_sends() -> None:
    capture = load("flows/02-server-create.json")
    sent = capture["request_body"]["server"]
    opts = CreateOpts(
        name=sent["name"],
        flavor_ref=sent["flavorRef"],
        image_ref=sent["imageRef"],
        networks=sent["networks"],
        metadata=sent["metadata"],
        tags=sent["tags"],
    )
    assert opts.to_body() == capture["request_body"]


def test_bad_metadata_key_is_refused_before_sending() -> None:
    """Nova's 400 for a key with '/' (errors/nova-create-bad-metadata-key) happens client-side."""
    sent = load("errors/nova-create-bad-metadata-key.json")["request_body"]["server"]
    with pytest.raises(ValueError, match="metadata key"):
        CreateOpts(
            name=sent["name"],
            flavor_ref=sent["flavorRef"],
            image_ref=sent["imageRef"],
            metadata=sent["metadata"],
        )
    with pytest.raises(ValueError, match="tag"):
        CreateOpts(name="x", flavor_ref="f", image_ref="i", tags=["a/b"])


def test_snapshot_flow() -> None:
    created = CreatedImage.parse(load("flows/13-server-create-image.json")["body"])
    queued = Image.parse(load("flows/14-glance-image-show-snapshot.json")["body"])
    active = Image.parse(load("flows/15-glance-image-show-active.json")["body"])
    assert created.image_id == queued.id == active.id
    assert (queued.status, active.status) == ("queued", "active")
    assert queued.image_type == "snapshot"
    assert queued.size is None
    assert active.size == 4096
