"""clouds.yaml and OS_* parsing: valid configs for every auth type, errors that name the field
and never carry the secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from instance_operator.openstack.auth import request_body
from instance_operator.openstack.config import (
    ApplicationCredentialAuth,
    AuthType,
    CloudConfig,
    Interface,
    PasswordAuth,
    TokenAuth,
    load_clouds_file,
    load_clouds_yaml,
    load_environment,
)
from instance_operator.openstack.errors import ConfigError
from instance_operator.openstack.microversion import Microversion

SECRET = "s3cr3t-value-that-must-not-leak"

PASSWORD_YAML = f"""
clouds:
  prod:
    auth_type: password
    auth:
      auth_url: https://keystone.example.com:5000/v3
      username: operator
      password: {SECRET}
      project_name: team
      user_domain_name: Default
      project_domain_id: default
    region_name: RegionTwo
    interface: internal
    identity_api_version: 3
    verify: false
    cacert: /etc/ssl/ca.pem
    compute_api_version: "2.79"
"""


def test_password_cloud() -> None:
    config = load_clouds_yaml(PASSWORD_YAML.encode(), "prod")
    assert config.name == "prod"
    assert config.auth_type is AuthType.PASSWORD
    assert isinstance(config.auth, PasswordAuth)
    assert config.auth.username == "operator"
    assert config.auth.password.get_secret_value() == SECRET
    assert config.region_name == "RegionTwo"
    assert config.interface is Interface.INTERNAL
    assert config.tls.verify is False
    assert config.tls.cacert == "/etc/ssl/ca.pem"
    assert config.compute_api_version == Microversion(2, 79)
    assert SECRET not in repr(config)
    assert SECRET not in str(config.model_dump())


def test_application_credential_and_token_clouds() -> None:
    text = f"""
clouds:
  ac:
    auth_type: v3applicationcredential
    auth:
      auth_url: http://k:5000
      application_credential_id: abc
      application_credential_secret: {SECRET}
  by-name:
    auth_type: v3applicationcredential
    auth:
      auth_url: http://k:5000
      application_credential_name: monitoring
      application_credential_secret: {SECRET}
      user_id: u1
  tok:
    auth_type: token
    auth:
      auth_url: http://k:5000/v3/
      token: {SECRET}
      project_id: p1
"""
    ac = load_clouds_yaml(text, "ac")
    assert isinstance(ac.auth, ApplicationCredentialAuth)
    assert ac.interface is Interface.PUBLIC
    assert ac.tls.verify is True
    assert isinstance(load_clouds_yaml(text, "by-name").auth, ApplicationCredentialAuth)
    tok = load_clouds_yaml(text, "tok")
    assert isinstance(tok.auth, TokenAuth)
    assert tok.auth.project_id == "p1"


def _error(text: str, cloud: str = "c") -> str:
    with pytest.raises(ConfigError) as caught:
        load_clouds_yaml(text, cloud)
    message = str(caught.value)
    assert SECRET not in message
    return message


@pytest.mark.parametrize(
    ("auth", "extra", "field"),
    [
        ("{auth_url: http://k, password: PW, project_id: p}", "", "clouds.c.auth.username"),
        ("{auth_url: http://k, username: u, project_id: p}", "", "clouds.c.auth.password"),
        ("{auth_url: http://k, user_id: u, password: PW}", "", "clouds.c.auth.project_name"),
        (
            "{auth_url: http://k, username: u, password: PW, project_id: p}",
            "",
            "clouds.c.auth.user_domain_name",
        ),
        (
            "{auth_url: http://k, user_id: u, password: PW, project_name: p}",
            "",
            "clouds.c.auth.project_domain_name",
        ),
        ("{username: u, password: PW}", "", "clouds.c.auth.auth_url"),
        ("{auth_url: ftp://k, user_id: u, password: PW, project_id: p}", "", "auth_url"),
        (
            "{auth_url: http://k, application_credential_secret: PW}",
            "auth_type: v3applicationcredential",
            "clouds.c.auth.application_credential_id",
        ),
        (
            "{auth_url: http://k, application_credential_name: n, "
            "application_credential_secret: PW}",
            "auth_type: v3applicationcredential",
            "clouds.c.auth.username",
        ),
        (
            "{auth_url: http://k, application_credential_id: i, "
            "application_credential_secret: PW, project_name: p}",
            "auth_type: v3applicationcredential",
            "clouds.c.auth.project_name: not a field of auth_type v3applicationcredential",
        ),
        ("{auth_url: http://k, token: PW}", "auth_type: token", "clouds.c.auth.project_name"),
        ("{auth_url: http://k, token: PW}", "auth_type: kerberos", "clouds.c.auth_type"),
        (
            "{auth_url: http://k, user_id: u, password: PW, project_id: p}",
            "interface: privateURL",
            "clouds.c.interface",
        ),
        (
            "{auth_url: http://k, user_id: u, password: PW, project_id: p}",
            "compute_api_version: latest",
            "clouds.c.compute_api_version",
        ),
    ],
)
def test_errors_name_the_field(auth: str, extra: str, field: str) -> None:
    text = (
        f"clouds:\n  c:\n    {extra or 'region_name: r'}\n    auth: {auth.replace('PW', SECRET)}\n"
    )
    assert field in _error(text)


HORIZON_YAML = f"""
clouds:
  openstack:
    auth:
      auth_url: https://keystone.example.com:5000
      username: operator
      password: {SECRET}
      project_id: 6a1b2c
      project_name: team
      user_domain_name: Default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
"""


def test_an_id_beside_a_name_needs_no_domain() -> None:
    """Horizon's downloaded clouds.yaml has project_id and project_name but no project domain;
    only the ID is sent, so no domain is needed (nor for user_id beside username)."""
    config = load_clouds_yaml(HORIZON_YAML, "openstack")
    scope = request_body(config.auth)["auth"]["scope"]
    assert scope == {"project": {"id": "6a1b2c"}}
    by_user_id = HORIZON_YAML.replace("user_domain_name: Default", "user_id: u1")
    user = request_body(load_clouds_yaml(by_user_id, "openstack").auth)["auth"]["identity"]
    assert user["password"]["user"] == {"id": "u1", "password": SECRET}
    env = {
        "OS_AUTH_URL": "http://k:5000/v3",
        "OS_USERNAME": "u",
        "OS_USER_ID": "u1",
        "OS_PASSWORD": SECRET,
        "OS_PROJECT_NAME": "p",
        "OS_PROJECT_ID": "p1",
    }
    assert request_body(load_environment(env).auth)["auth"]["scope"] == {"project": {"id": "p1"}}


def test_structural_errors() -> None:
    assert "no cloud 'x'" in _error("clouds: {a: {}, b: {}}", "x")
    assert "(it has: a, b)" in _error("clouds: {a: {}, b: {}}", "x")
    assert "'clouds' mapping" in _error("- a list")
    assert "clouds.c.auth: required" in _error("clouds: {c: {region_name: r}}")
    message = _error(f'clouds:\n  c:\n    auth: {{password: "{SECRET}\n')
    assert "not valid YAML at line" in message


def test_unversioned_and_major_only_compute_versions() -> None:
    base = "clouds:\n  c:\n    auth: {auth_url: http://k, user_id: u, password: p, project_id: p}\n"
    assert (
        load_clouds_yaml(base + '    compute_api_version: "2"\n', "c").compute_api_version is None
    )
    assert load_clouds_yaml(base + "    compute_api_version: 2\n", "c").compute_api_version is None
    assert "quote it" in _error(base + "    compute_api_version: 2.60\n")


def test_file_and_environment(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "clouds.yaml"  # type: ignore[operator]
    path.write_text(PASSWORD_YAML)
    assert load_clouds_file(path, "prod").auth.auth_url.startswith("https://")
    with pytest.raises(ConfigError, match="cannot read"):
        load_clouds_file(path.with_name("missing.yaml"), "prod")
    env = {
        "OS_AUTH_URL": "http://k:5000/v3",
        "OS_USERNAME": "u",
        "OS_PASSWORD": SECRET,
        "OS_PROJECT_NAME": "p",
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_REGION_NAME": "R",
        "OS_INSECURE": "true",
        "OS_COMPUTE_API_VERSION": "2.60",
    }
    config = load_environment(env)
    assert config.name == "envvars"
    assert config.region_name == "R"
    assert config.tls.verify is False
    assert config.compute_api_version == Microversion(2, 60)
    del env["OS_PROJECT_DOMAIN_NAME"]
    with pytest.raises(ConfigError) as caught:
        load_environment(env)
    assert str(caught.value).startswith("OS_PROJECT_DOMAIN_NAME:")
    assert SECRET not in str(caught.value)
    env["OS_AUTH_TYPE"] = "v3applicationcredential"
    with pytest.raises(ConfigError, match="OS_PASSWORD: not a field"):
        load_environment(env)


def test_tls_files_must_be_readable(tmp_path: Path) -> None:
    """A missing CA bundle, certificate or key is a ConfigError naming the field and path."""
    pem = tmp_path / "client.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n")
    missing = tmp_path / "missing.pem"
    base = (
        "clouds:\n  c:\n    auth: {auth_url: https://k, user_id: u, password: p, project_id: p}\n"
    )
    ok = load_clouds_yaml(base + f"    cacert: {tmp_path}\n    cert: {pem}\n    key: {pem}\n", "c")
    assert (ok.tls.cacert, ok.tls.cert, ok.tls.key) == (str(tmp_path), str(pem), str(pem))
    for field in ("cacert", "cert", "key"):
        message = _error(base + f"    {field}: {missing}\n")
        assert message.startswith(f"clouds.c.{field}: cannot read {missing} (no such file")
    assert load_clouds_yaml(base + f"    verify: false\n    cacert: {missing}\n", "c")
    env = {"OS_AUTH_URL": "https://k", "OS_USER_ID": "u", "OS_PASSWORD": SECRET}
    with pytest.raises(ConfigError, match=r"^OS_CERT: cannot read"):
        load_environment({**env, "OS_PROJECT_ID": "p", "OS_CERT": str(missing)})


def test_credentials_key_follows_the_credentials() -> None:
    first = load_clouds_yaml(PASSWORD_YAML, "prod")
    renamed = load_clouds_yaml(PASSWORD_YAML.replace("prod:", "other:"), "other")
    rotated = load_clouds_yaml(PASSWORD_YAML.replace(SECRET, "new-password"), "prod")
    assert first.credentials_key() == renamed.credentials_key()
    assert first.credentials_key() != rotated.credentials_key()
    assert SECRET not in first.credentials_key()


BASE = "clouds:\n  c:\n    auth: {auth_url: https://k, user_id: u, password: PW, project_id: p}\n"


def _cloud(extra: str, auth: str = "") -> CloudConfig:
    text = BASE.replace("project_id: p}", f"project_id: p{auth}}}").replace("PW", SECRET)
    return load_clouds_yaml(text + extra, "c")


def _refused(extra: str, auth: str = "") -> str:
    text = BASE.replace("project_id: p}", f"project_id: p{auth}}}").replace("PW", SECRET)
    return _error(text + extra)


def test_insecure_turns_verification_off_with_a_warning() -> None:
    """openstacksdk's ``insecure: true`` is ``verify: false``, and never silently."""
    config = _cloud("    insecure: true\n")
    assert config.tls.verify is False
    assert any("clouds.c.verify: TLS certificates are not verified" in w for w in config.warnings)
    assert _cloud("    insecure: false\n").tls.verify is True
    assert _cloud("    insecure: false\n").warnings == ()
    assert "clouds.c.insecure: contradicts verify" in _refused(
        "    insecure: true\n    verify: true\n"
    )
    assert "clouds.c.insecure: expected true or false" in _refused("    insecure: maybe\n")


@pytest.mark.parametrize(
    ("extra", "interface"),
    [
        ("    endpoint_type: publicURL\n", Interface.PUBLIC),
        ("    endpoint_type: internalURL\n", Interface.INTERNAL),
        ("    endpoint_type: adminURL\n", Interface.ADMIN),
        ("    interface: internalURL\n", Interface.INTERNAL),
        ("    endpoint_type: admin\n", Interface.ADMIN),
        ("    interface: internal\n    endpoint_type: internalURL\n", Interface.INTERNAL),
    ],
)
def test_endpoint_type_and_legacy_interfaces(extra: str, interface: Interface) -> None:
    assert _cloud(extra).interface is interface


def test_endpoint_type_contradicting_interface_is_refused() -> None:
    message = _refused("    interface: public\n    endpoint_type: internalURL\n")
    assert message.startswith("clouds.c.endpoint_type: contradicts interface")


def test_regions() -> None:
    """``region_name`` picks one of ``regions``; a single region needs no choice; several do."""
    assert _cloud("    regions: [A, B]\n    region_name: B\n").region_name == "B"
    assert _cloud("    regions: [{name: A, values: {}}]\n").region_name == "A"
    message = _refused("    regions: [A, B]\n")
    assert message == "clouds.c.region_name: required with several regions (one of: A, B)"
    message = _refused("    regions: [A, B]\n    region_name: C\n")
    assert message == "clouds.c.region_name: 'C' is not in regions (one of: A, B)"
    assert "clouds.c.regions: expected a non-empty list" in _refused("    regions: A\n")


def test_domain_shorthands() -> None:
    """``auth.domain_name``/``domain_id`` stand for the user's and the project's domain where
    those are not given, as in openstacksdk."""
    text = (
        "clouds:\n  c:\n    auth: {auth_url: https://k, username: u, password: p, "
        "project_name: t, domain_name: Corp}\n"
    )
    auth = load_clouds_yaml(text, "c").auth
    assert isinstance(auth, PasswordAuth)
    assert (auth.user_domain_name, auth.project_domain_name) == ("Corp", "Corp")
    explicit = text.replace("domain_name: Corp", "domain_id: d1, project_domain_name: Other")
    auth = load_clouds_yaml(explicit, "c").auth
    assert isinstance(auth, PasswordAuth)
    assert (auth.user_domain_id, auth.project_domain_id) == ("d1", None)
    assert auth.project_domain_name == "Other"
    env = {
        "OS_AUTH_URL": "https://k",
        "OS_USERNAME": "u",
        "OS_PASSWORD": SECRET,
        "OS_PROJECT_NAME": "t",
        "OS_DOMAIN_ID": "d1",
    }
    auth = load_environment(env).auth
    assert isinstance(auth, PasswordAuth)
    assert (auth.user_domain_id, auth.project_domain_id) == ("d1", "d1")
    del env["OS_DOMAIN_ID"]
    auth = load_environment({**env, "OS_DOMAIN_NAME": "Corp"}).auth
    assert isinstance(auth, PasswordAuth)
    assert (auth.user_domain_name, auth.project_domain_name) == ("Corp", "Corp")


def test_endpoint_type_from_the_environment() -> None:
    env = {"OS_AUTH_URL": "https://k", "OS_TOKEN": SECRET, "OS_PROJECT_ID": "p"}
    env["OS_AUTH_TYPE"] = "token"
    assert (
        load_environment({**env, "OS_ENDPOINT_TYPE": "internalURL"}).interface is Interface.INTERNAL
    )
    with pytest.raises(ConfigError, match="OS_ENDPOINT_TYPE: contradicts interface"):
        load_environment({**env, "OS_ENDPOINT_TYPE": "adminURL", "OS_INTERFACE": "public"})


@pytest.mark.parametrize(
    ("extra", "auth", "start"),
    [
        ("    profile: vexxhost\n", "", "clouds.c.profile: not supported: vendor profiles"),
        ("    system_scope: all\n", "", "clouds.c.system_scope: not supported"),
        ("", ", system_scope: all", "clouds.c.auth.system_scope: not supported"),
        (
            "    auth_type: v3oidcpassword\n",
            "",
            "clouds.c.auth_type: v3oidcpassword (OpenID Connect) is not supported",
        ),
        ("    identity_api_version: 2\n", "", "clouds.c.identity_api_version: only 3"),
    ],
)
def test_unsupported_features_are_refused_by_name(extra: str, auth: str, start: str) -> None:
    assert _refused(extra, auth).startswith(start)


def test_unknown_keys_are_warned_about_by_name() -> None:
    config = _cloud("    api_timeout: 30\n    image_api_version: 2\n    identity_api_version: 3\n")
    assert config.warnings == (
        "ignored, not used by this operator: clouds.c.api_timeout, clouds.c.image_api_version",
    )
    assert _cloud("    region_name: R\n").warnings == ()


def test_unknown_os_variables_are_warned_about_by_name() -> None:
    env = {
        "OS_AUTH_URL": "http://k",
        "OS_TOKEN": SECRET,
        "OS_PROJECT_ID": "p",
        "OS_AUTH_TYPE": "token",
    }
    assert load_environment(env).warnings == ()
    noisy = {**env, "OS_API_TIMEOUT": "3", "OS_IDENTITY_API_VERSION": "3"}
    assert load_environment(noisy).warnings == (
        "ignored, not used by this operator: OS_API_TIMEOUT, OS_IDENTITY_API_VERSION",
    )
    with pytest.raises(ConfigError, match="OS_PROFILE"):  # refused, as profile in clouds.yaml
        load_environment({**env, "OS_PROFILE": "vexxhost"})


def test_v3token_is_token() -> None:
    text = f"clouds:\n  t:\n    auth_type: v3token\n    auth: {{auth_url: http://k, token: {SECRET}, project_id: p}}\n"
    config = load_clouds_yaml(text, "t")
    assert isinstance(config.auth, TokenAuth)
    assert request_body(config.auth)["auth"]["identity"]["methods"] == ["token"]
