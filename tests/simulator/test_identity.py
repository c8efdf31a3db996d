"""Keystone: version documents, password and application-credential logins, expiry, 401s."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from instance_operator.simulator import Simulator, SimulatorConfig
from instance_operator.simulator.config import fast_config
from instance_operator.simulator.timefmt import parse_isotime
from tests.simulator.client import TIMEOUT, OpenStack, password_body

UNAUTHORIZED = {
    "error": {
        "code": 401,
        "message": "The request you have made requires authentication.",
        "title": "Unauthorized",
    }
}


GLANCE_UNAUTHORIZED = {
    "message": (
        "This server could not verify that you are authorized to access the document you "
        "requested. Either you supplied the wrong credentials (e.g., bad password), or your "
        "browser does not understand how to supply the credentials required.<br /><br />\n\n\n"
    ),
    "code": "401 Unauthorized",
    "title": "Unauthorized",
}


def issue(sim: Simulator, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{sim.auth_url}/auth/tokens", json=body, timeout=TIMEOUT)


def app_credential_body(credential: dict[str, Any]) -> dict[str, Any]:
    return {
        "auth": {
            "identity": {
                "methods": ["application_credential"],
                "application_credential": credential,
            }
        }
    }


def test_version_documents(simulator: Simulator) -> None:
    root = requests.get(f"{simulator.base_url}/identity", timeout=TIMEOUT)
    assert root.status_code == 300
    (version,) = root.json()["versions"]["values"]
    assert version["id"].startswith("v3.")
    assert version["links"] == [{"rel": "self", "href": f"{simulator.auth_url}/"}]
    for path in ("/identity/v3", "/identity/v3/"):
        doc = requests.get(simulator.base_url + path, timeout=TIMEOUT)
        assert doc.status_code == 200
        assert doc.json()["version"]["status"] == "stable"


def test_password_login_by_name_returns_a_scoped_token_with_catalog(simulator: Simulator) -> None:
    response = issue(simulator, password_body("admin", "admin", "admin"))
    assert response.status_code == 201
    assert response.headers["X-Subject-Token"]
    token = response.json()["token"]
    assert token["methods"] == ["password"]
    assert token["project"]["name"] == "admin"
    assert {r["name"] for r in token["roles"]} == {"admin", "member", "reader"}
    catalog = {entry["type"]: entry for entry in token["catalog"]}
    assert set(catalog) == {"identity", "compute", "image", "network"}
    for entry in catalog.values():
        assert {e["interface"] for e in entry["endpoints"]} == {"public", "internal"}
        assert {e["region_id"] for e in entry["endpoints"]} == {"RegionOne"}
    assert catalog["compute"]["endpoints"][0]["url"] == f"{simulator.base_url}/compute/v2.1"
    assert catalog["identity"]["endpoints"][0]["url"] == f"{simulator.base_url}/identity"
    assert catalog["image"]["endpoints"][0]["url"] == f"{simulator.base_url}/image"
    assert catalog["network"]["endpoints"][0]["url"] == f"{simulator.base_url}/networking"


def test_password_login_by_ids_and_unscoped(simulator: Simulator) -> None:
    user = simulator.config.user("demo")
    project = simulator.config.project("demo")
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"id": user.id, "password": "demo"}},
            },
            "scope": {"project": {"id": project.id}},
        }
    }
    scoped = issue(simulator, body)
    assert scoped.status_code == 201
    assert scoped.json()["token"]["project"]["id"] == project.id
    by_domain_id = password_body("demo", "demo", None)
    by_domain_id["auth"]["identity"]["password"]["user"]["domain"] = {"id": "default"}
    unscoped = issue(simulator, by_domain_id)
    assert unscoped.status_code == 201
    assert "catalog" not in unscoped.json()["token"]
    assert "project" not in unscoped.json()["token"]


@pytest.mark.parametrize(
    "credential",
    [
        {"id": "ID", "secret": "demo-app-secret"},
        {"name": "demo-app", "secret": "demo-app-secret", "user": {"id": "USER"}},
        {
            "name": "demo-app",
            "secret": "demo-app-secret",
            "user": {"name": "demo", "domain": {"name": "Default"}},
        },
    ],
)
def test_application_credentials(simulator: Simulator, credential: dict[str, Any]) -> None:
    seed = simulator.config.application_credentials[0]
    if credential.get("id") == "ID":
        credential = {**credential, "id": seed.id}
    if credential.get("user", {}).get("id") == "USER":
        credential = {**credential, "user": {"id": simulator.config.user("demo").id}}
    response = issue(simulator, app_credential_body(credential))
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    assert token["methods"] == ["application_credential"]
    assert token["application_credential"] == {
        "id": seed.id,
        "name": "demo-app",
        "restricted": True,
    }
    assert token["project"]["name"] == "demo"
    assert token["catalog"]


def test_wrong_secrets_get_keystones_401(simulator: Simulator) -> None:
    seed = simulator.config.application_credentials[0]
    for body in (
        password_body("admin", "wrong", "admin"),
        password_body("nobody", "x", "admin"),
        password_body("demo", "demo", "admin"),  # a project the user has no role on
        app_credential_body({"id": seed.id, "secret": "wrong"}),
    ):
        response = issue(simulator, body)
        assert response.status_code == 401
        assert response.json() == UNAUTHORIZED
        assert response.headers["WWW-Authenticate"] == f'Keystone uri="{simulator.auth_url}"'
        assert response.headers["x-openstack-request-id"].startswith("req-")


def test_malformed_auth_body_is_400_in_keystones_shape(simulator: Simulator) -> None:
    response = issue(simulator, {"auth": {}})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 400
    assert error["title"] == "Bad Request"
    assert "identity" in error["message"]


def test_expires_at_follows_the_configured_ttl() -> None:
    with Simulator(fast_config(token_ttl=120)).running() as sim:
        before = time.time()
        token = issue(sim, password_body("admin", "admin", "admin")).json()["token"]
        lifetime = parse_isotime(token["expires_at"]) - parse_isotime(token["issued_at"])
        assert lifetime == pytest.approx(120, abs=0.01)
        assert parse_isotime(token["issued_at"]) >= before - 1


def test_expired_and_unknown_tokens_are_401_on_every_service(simulator: Simulator) -> None:
    simulator.faults.set(token_ttl=0.3)
    simulator.clock.freeze()
    with OpenStack.login(simulator.auth_url, "admin", "admin") as client:
        assert client.get("compute", "/servers").status_code == 200
        simulator.clock.advance(0.2)
        assert client.get("compute", "/servers").status_code == 200  # not expired yet
        simulator.clock.advance(0.2)
        for service, path in (("compute", "/servers"), ("network", "/v2.0/networks")):
            response = client.get(service, path)
            assert response.status_code == 401
            assert response.json() == UNAUTHORIZED
            assert (
                response.headers["WWW-Authenticate"]
                == f'Keystone uri="{simulator.base_url}/identity"'
            )
            assert response.headers["x-openstack-request-id"].startswith("req-")
        image = client.get("image", "/v2/images", headers={"Accept": "application/json"})
        assert image.status_code == 401
        assert image.json() == GLANCE_UNAUTHORIZED
    anonymous = requests.get(f"{simulator.base_url}/compute/v2.1/servers", timeout=TIMEOUT)
    assert anonymous.status_code == 401
    assert anonymous.headers["x-compute-request-id"] == anonymous.headers["x-openstack-request-id"]


def test_glance_refuses_a_bad_token_in_webobs_shape_without_a_request_id(
    simulator: Simulator,
) -> None:
    url = f"{simulator.base_url}/image/v2/images"
    bad = {"X-Auth-Token": "not-a-token"}
    as_json = requests.get(url, headers={**bad, "Accept": "application/json"}, timeout=TIMEOUT)
    assert as_json.status_code == 401
    assert as_json.headers["Content-Type"] == "application/json"
    assert as_json.json() == GLANCE_UNAUTHORIZED
    assert "x-openstack-request-id" not in as_json.headers
    # keystonemiddleware still adds its challenge to the 401 on the way out.
    assert as_json.headers["WWW-Authenticate"] == f'Keystone uri="{simulator.base_url}/identity"'
    as_html = requests.get(url, headers=bad, timeout=TIMEOUT)
    assert as_html.status_code == 401
    assert as_html.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert as_html.text.startswith("<html>\n <head>\n  <title>401 Unauthorized</title>")
    assert "<h1>401 Unauthorized</h1>\n  This server could not verify" in as_html.text
    assert "x-openstack-request-id" not in as_html.headers
    nova = requests.get(f"{simulator.base_url}/compute/v2.1/servers", headers=bad, timeout=TIMEOUT)
    assert nova.json() == UNAUTHORIZED
    assert nova.headers["x-compute-request-id"] == nova.headers["x-openstack-request-id"]


def test_expire_tokens_revokes_all(simulator: Simulator, admin: OpenStack) -> None:
    assert admin.get("compute", "/flavors").status_code == 200
    simulator.expire_tokens()
    assert admin.get("compute", "/flavors").status_code == 401


def test_compute_url_can_carry_the_project_id() -> None:
    config = fast_config(compute_url_with_project_id=True)
    with (
        Simulator(config).running() as sim,
        OpenStack.login(sim.auth_url, "admin", "admin") as client,
    ):
        url = client.endpoints["compute"]
        assert url == f"{sim.base_url}/compute/v2.1/{client.project_id}"
        listed = client.get("compute", "/servers/detail?limit=1")
        assert listed.status_code == 200
        server = client.create_server()
        assert server["links"][0]["href"] == f"{url}/servers/{server['id']}"
        assert (
            server["links"][1]["href"]
            == f"{sim.base_url}/compute/{client.project_id}/servers/{server['id']}"
        )
        other = sim.config.project("demo").id
        wrong = client.get("compute", f"{sim.base_url}/compute/v2.1/{other}/servers")
        assert wrong.status_code == 400
        assert "doesn't match Context's project_id" in wrong.json()["badRequest"]["message"]


def test_yaml_config_users_and_projects() -> None:
    config = SimulatorConfig.from_yaml(
        """
        projects: [{name: ops}]
        users: [{name: alice, password: pw, project: ops, roles: [member]}]
        """
    )
    with Simulator(config).running() as sim:
        response = issue(sim, password_body("alice", "pw", "ops"))
        assert response.status_code == 201
        assert [r["name"] for r in response.json()["token"]["roles"]] == ["member"]
        assert "username: alice" in sim.clouds_yaml()
