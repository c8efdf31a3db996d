"""A cloud's configuration from clouds.yaml (bytes of a Kubernetes Secret, or a file) or ``OS_*``.

The operator gets clouds.yaml from users, so every mistake must come back as a ``ConfigError``
naming the field (``clouds.prod.auth.project_domain_name``, or ``OS_PROJECT_DOMAIN_NAME`` for the
environment) and never the value: the file holds passwords, tokens and application credential
secrets, which stay in ``SecretStr`` and appear in no message, ``repr`` or log.

Users bring clouds.yaml files written for openstacksdk, so its spellings mean here what they mean
there (``insecure``, ``endpoint_type: publicURL``, ``regions``, ``auth.domain_name``, ``v3token``),
what it supports and we do not is refused by name (``profile``, ``system_scope``, OIDC), and a key
we do not use is never dropped silently: it lands in ``CloudConfig.warnings``, for the log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from instance_operator.openstack.errors import ConfigError
from instance_operator.openstack.microversion import Microversion

_M = TypeVar("_M", bound=BaseModel)


class AuthType(StrEnum):
    PASSWORD = "password"  # noqa: S105 - the auth type's name, not a password
    V3PASSWORD = "v3password"
    APPLICATION_CREDENTIAL = "v3applicationcredential"
    TOKEN = "token"  # noqa: S105 - the auth type's name, not a token
    V3TOKEN = "v3token"  # keystoneauth's v3-only name for ``token``


#: keystoneauth's OpenID Connect plugins: they need a browser or an IdP round trip the operator
#: cannot do unattended.
OIDC_AUTH_TYPES = frozenset(
    {
        "v3oidcpassword",
        "v3oidcclientcredentials",
        "v3oidcauthcode",
        "v3oidcaccesstoken",
        "v3oidcdeviceauthz",
    }
)


class Interface(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    ADMIN = "admin"


class _Auth(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Keystone's URL; ``/v3`` is added when missing (see ``auth.identity_v3_url``).
    auth_url: str = Field(min_length=1)


class PasswordAuth(_Auth):
    """``password``/``v3password``: a user and password, scoped to a project."""

    username: str | None = None
    user_id: str | None = None
    password: SecretStr
    user_domain_name: str | None = None
    user_domain_id: str | None = None
    project_name: str | None = None
    project_id: str | None = None
    project_domain_name: str | None = None
    project_domain_id: str | None = None


class ApplicationCredentialAuth(_Auth):
    """``v3applicationcredential``: already scoped to the project it was created in."""

    application_credential_id: str | None = None
    application_credential_name: str | None = None
    application_credential_secret: SecretStr
    #: With ``application_credential_name`` only: whose credential it is.
    username: str | None = None
    user_id: str | None = None
    user_domain_name: str | None = None
    user_domain_id: str | None = None


class TokenAuth(_Auth):
    """``token``: an existing token, rescoped to a project (it cannot outlive that token)."""

    token: SecretStr
    project_name: str | None = None
    project_id: str | None = None
    project_domain_name: str | None = None
    project_domain_id: str | None = None


AuthConfig = PasswordAuth | ApplicationCredentialAuth | TokenAuth

_AUTH_MODELS: dict[AuthType, type[_Auth]] = {
    AuthType.PASSWORD: PasswordAuth,
    AuthType.V3PASSWORD: PasswordAuth,
    AuthType.APPLICATION_CREDENTIAL: ApplicationCredentialAuth,
    AuthType.TOKEN: TokenAuth,
    AuthType.V3TOKEN: TokenAuth,
}


class TLSConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Verify the services' certificates (clouds.yaml ``verify``; ``OS_INSECURE`` turns it off).
    verify: bool = True
    #: Path of a CA bundle to verify against instead of the system's.
    cacert: str | None = None
    #: Paths of a client certificate and its key.
    cert: str | None = None
    key: str | None = None

    def check_files(self, label: Callable[[str], str] = str) -> None:
        """``ConfigError`` naming the field and path of a CA bundle, certificate or key that
        cannot be read. requests would find out only at the first request, with a bare
        ``OSError`` that names no field; ``label`` turns a field into the user's spelling."""
        given = {
            "cacert": self.cacert if self.verify else None,
            "cert": self.cert,
            "key": self.key,
        }
        for field, path in given.items():
            if path is None or (field == "cacert" and Path(path).is_dir()):  # a CA directory
                continue
            try:
                with Path(path).open("rb"):
                    pass
            except OSError as exc:
                reason = (exc.strerror or type(exc).__name__).lower()
                raise ConfigError(
                    f"{label(field)}: cannot read {path} ({reason}); it is read where the "
                    "operator (or check-cloud) runs: mount the file there or fix the path"
                ) from None


class _CloudFields(BaseModel):
    """The non-auth keys of a cloud entry that this client uses (after ``_normalise``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    auth_type: AuthType = AuthType.PASSWORD
    region_name: str | None = None
    interface: Interface = Interface.PUBLIC
    verify: bool = True
    cacert: str | None = None
    cert: str | None = None
    key: str | None = None
    #: A string: YAML reads an unquoted 2.60 as the number 2.6.
    compute_api_version: str | int | float | None = None


class CloudConfig(BaseModel):
    """One validated cloud: who to authenticate as and where the services are."""

    model_config = ConfigDict(frozen=True)

    #: The entry's name in clouds.yaml (``envvars`` for the environment).
    name: str
    auth_type: AuthType
    auth: AuthConfig
    #: Region of the endpoints to use; ``None`` accepts any (the catalog must then be unambiguous).
    region_name: str | None = None
    interface: Interface = Interface.PUBLIC
    tls: TLSConfig = TLSConfig()
    #: Highest compute microversion to use (clouds.yaml ``compute_api_version``); ``None`` = newest.
    compute_api_version: Microversion | None = None
    #: What the user should hear about but that does not stop the cloud from working (keys this
    #: client does not use, certificate verification turned off). Never holds a value.
    warnings: tuple[str, ...] = ()

    def credentials_key(self) -> str:
        """A digest of everything that identifies these credentials, secrets included.

        Two configs with the same key can share one provider (one token, one re-auth); a
        rotated password gives a new key. Only the digest is ever kept, never the secrets.
        """
        data = self.model_dump(mode="json")
        data["auth"] = {
            k: v.get_secret_value() if isinstance(v, SecretStr) else v for k, v in self.auth
        }
        data.pop("name")
        data.pop("warnings")
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def load_clouds_yaml(data: bytes | str, cloud: str) -> CloudConfig:
    """The cloud named ``cloud`` from clouds.yaml content (e.g. a Secret's bytes)."""
    try:
        document = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        # yaml's own message quotes the offending text, which may be a password: never use it.
        raise ConfigError(f"clouds.yaml is not valid YAML{where}") from None
    if not isinstance(document, Mapping) or not isinstance(document.get("clouds"), Mapping):
        raise ConfigError("clouds.yaml: expected a top-level 'clouds' mapping")
    clouds = document["clouds"]
    if cloud not in clouds:
        have = ", ".join(sorted(str(name) for name in clouds)) or "none"
        raise ConfigError(f"clouds.yaml has no cloud {cloud!r} (it has: {have})")
    entry = clouds[cloud]
    if not isinstance(entry, Mapping):
        raise ConfigError(f"clouds.{cloud}: expected a mapping")
    prefix = f"clouds.{cloud}."
    return _build(cloud, entry, lambda loc: prefix + ".".join(loc))


def load_clouds_file(path: str | Path, cloud: str) -> CloudConfig:
    """The cloud named ``cloud`` from a clouds.yaml file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    return load_clouds_yaml(data, cloud)


#: ``OS_*`` variables and where they go in a clouds.yaml cloud entry.
ENVIRONMENT: dict[str, tuple[str, ...]] = {
    "OS_AUTH_TYPE": ("auth_type",),
    "OS_REGION_NAME": ("region_name",),
    "OS_INTERFACE": ("interface",),
    "OS_ENDPOINT_TYPE": ("endpoint_type",),
    "OS_CACERT": ("cacert",),
    "OS_CERT": ("cert",),
    "OS_KEY": ("key",),
    "OS_COMPUTE_API_VERSION": ("compute_api_version",),
    "OS_PROFILE": ("profile",),  # refused, as in clouds.yaml
    **{
        f"OS_{field.upper()}": ("auth", field)
        for field in (
            "auth_url",
            "username",
            "user_id",
            "password",
            "user_domain_name",
            "user_domain_id",
            "project_name",
            "project_id",
            "project_domain_name",
            "project_domain_id",
            "application_credential_id",
            "application_credential_name",
            "application_credential_secret",
            "token",
            "domain_name",
            "domain_id",
            "system_scope",
        )
    },
}


def load_environment(environ: Mapping[str, str]) -> CloudConfig:
    """A cloud from ``OS_*`` variables, as python-openstackclient reads them."""
    entry: dict[str, Any] = {"auth": {}}
    for variable, path in ENVIRONMENT.items():
        value = environ.get(variable)
        if value:
            target = entry["auth"] if path[0] == "auth" else entry
            target[path[-1]] = value
    if environ.get("OS_INSECURE", "").lower() in {"1", "true", "yes"}:
        entry["verify"] = False
    names = {path: variable for variable, path in ENVIRONMENT.items()}
    names[("verify",)] = "OS_INSECURE"
    config = _build("envvars", entry, lambda loc: names.get(tuple(loc), "OS_" + loc[-1].upper()))
    unused = sorted(
        variable
        for variable, value in environ.items()
        if variable.startswith("OS_") and value and variable not in _ENVIRONMENT_READ
    )
    if not unused:
        return config
    warning = f"ignored, not used by this operator: {', '.join(unused)}"
    return config.model_copy(update={"warnings": (*config.warnings, warning)})


#: Every ``OS_*`` variable that is read: the cloud's, and the two that choose a clouds.yaml.
_ENVIRONMENT_READ = frozenset(ENVIRONMENT) | {"OS_INSECURE", "OS_CLOUD", "OS_CLIENT_CONFIG_FILE"}


#: Keys of a cloud entry that ``_CloudFields`` takes as they are.
_USED_KEYS = frozenset(_CloudFields.model_fields) | {"auth"}
#: Legacy ``endpoint_type`` values (python-*client, Keystone v2 catalogs) and what they mean.
_LEGACY_INTERFACES = {"publicURL": "public", "internalURL": "internal", "adminURL": "admin"}


def _build(name: str, entry: Mapping[str, Any], label: Callable[[list[str]], str]) -> CloudConfig:
    entry, warnings = _normalise(entry, label)
    raw_auth = entry.pop("auth")
    fields = _validate(_CloudFields, entry, [], label)
    auth = _validate(
        _AUTH_MODELS[fields.auth_type],
        raw_auth,
        ["auth"],
        label,
        unsupported=f"not a field of auth_type {fields.auth_type.value}",
    )
    _check_auth(auth, lambda field: label(["auth", field]))
    pinned = _pinned_version(fields.compute_api_version, label(["compute_api_version"]))
    tls = TLSConfig(verify=fields.verify, cacert=fields.cacert, cert=fields.cert, key=fields.key)
    tls.check_files(lambda field: label([field]))
    if not tls.verify:
        warnings.append(
            f"{label(['verify'])}: TLS certificates are not verified (insecure): anyone on the path"
            " can read the credentials; give the cloud's CA bundle (cacert) instead"
        )
    return CloudConfig(
        name=name,
        auth_type=fields.auth_type,
        auth=auth,
        region_name=fields.region_name,
        interface=fields.interface,
        tls=tls,
        compute_api_version=pinned,
        warnings=tuple(warnings),
    )


def _normalise(
    entry: Mapping[str, Any], label: Callable[[list[str]], str]
) -> tuple[dict[str, Any], list[str]]:
    """openstacksdk's spellings turned into ours, its features we lack refused by name, and a
    warning naming the keys we do not use. Returns the entry for ``_CloudFields`` and the
    warnings."""
    entry = dict(entry)
    auth_type = str(entry.get("auth_type", AuthType.PASSWORD.value))
    _refuse_unsupported(entry, auth_type, label)
    raw_auth = entry.get("auth")
    if not isinstance(raw_auth, Mapping):
        raise ConfigError(f"{label(['auth'])}: required (a mapping)")
    entry["auth"] = _normalise_auth(raw_auth, auth_type, label)
    if "insecure" in entry:
        insecure = entry.pop("insecure")
        if not isinstance(insecure, bool):
            raise ConfigError(f"{label(['insecure'])}: expected true or false")
        if "verify" in entry and entry["verify"] is insecure:
            raise ConfigError(f"{label(['insecure'])}: contradicts verify; keep one of the two")
        entry["verify"] = not insecure
    interfaces = {key: entry.pop(key) for key in ("interface", "endpoint_type") if key in entry}
    wanted = {_LEGACY_INTERFACES.get(str(v), v) for v in interfaces.values()}
    if len(wanted) > 1:
        raise ConfigError(f"{label(['endpoint_type'])}: contradicts interface; keep one of the two")
    if wanted:
        entry["interface"] = wanted.pop()
    if str(entry.pop("identity_api_version", "3")) not in {"3", "3.0"}:
        raise ConfigError(f"{label(['identity_api_version'])}: only 3 is supported (Keystone v3)")
    if "regions" in entry:
        entry["region_name"] = _region(entry.pop("regions"), entry.get("region_name"), label)
    unused = sorted(str(key) for key in entry if key not in _USED_KEYS)
    for key in unused:
        entry.pop(key)
    warnings = []
    if unused:
        names = ", ".join(label([key]) for key in unused)
        warnings.append(f"ignored, not used by this operator: {names}")
    return entry, warnings


def _refuse_unsupported(
    entry: Mapping[str, Any], auth_type: str, label: Callable[[list[str]], str]
) -> None:
    """openstacksdk features this client lacks: a ``ConfigError`` naming the key and the way out."""
    for refused, why in (
        (
            "profile",
            "vendor profiles are not bundled; copy the profile's auth_url, region_name "
            "and interface into the cloud entry",
        ),
        ("system_scope", "system-scoped tokens own no servers; scope the credentials to a project"),
    ):
        if refused in entry:
            raise ConfigError(f"{label([refused])}: not supported: {why}")
    if auth_type in OIDC_AUTH_TYPES:
        raise ConfigError(
            f"{label(['auth_type'])}: {auth_type} (OpenID Connect) is not supported: it needs an "
            "identity provider round trip the operator cannot make unattended; create an "
            "application credential and use auth_type v3applicationcredential"
        )


def _normalise_auth(
    auth: Mapping[str, Any], auth_type: str, label: Callable[[list[str]], str]
) -> dict[str, Any]:
    """``domain_name``/``domain_id`` are openstacksdk's shorthand for the user's and the project's
    domain, where those are not given; ``system_scope`` is refused as at the top level."""
    auth = dict(auth)
    if "system_scope" in auth:
        raise ConfigError(
            f"{label(['auth', 'system_scope'])}: not supported: system-scoped tokens own no "
            "servers; scope the credentials to a project"
        )
    model = next((m for t, m in _AUTH_MODELS.items() if t.value == auth_type), None)
    for suffix in ("name", "id"):
        value = auth.pop(f"domain_{suffix}", None)
        if value is None or model is None:
            continue
        for kind in ("user", "project"):
            field = f"{kind}_domain_{suffix}"
            if (
                field in model.model_fields
                and f"{kind}_domain_id" not in auth
                and (f"{kind}_domain_name" not in auth)
            ):
                auth[field] = value
    return auth


def _region(regions: Any, region_name: Any, label: Callable[[list[str]], str]) -> Any:
    """openstacksdk's ``regions`` list: names, or mappings with a ``name``. ``region_name``
    chooses one of them; without it, only a list of one region is unambiguous."""
    if not isinstance(regions, list) or not regions:
        raise ConfigError(f"{label(['regions'])}: expected a non-empty list of region names")
    names = [str(r.get("name")) if isinstance(r, Mapping) else str(r) for r in regions]
    if region_name is None:
        if len(names) > 1:
            raise ConfigError(
                f"{label(['region_name'])}: required with several regions "
                f"(one of: {', '.join(names)})"
            )
        return names[0]
    if str(region_name) not in names:
        raise ConfigError(
            f"{label(['region_name'])}: {region_name!r} is not in regions "
            f"(one of: {', '.join(names)})"
        )
    return region_name


def _pinned_version(value: str | int | float | None, field: str) -> Microversion | None:
    """The highest compute microversion the cloud entry allows; ``2``/``2.1`` mean no limit."""
    if isinstance(value, float):
        raise ConfigError(f"{field}: quote it (YAML reads {value!r} as a number, so 2.60 is 2.6)")
    if value is None or str(value).strip() in {"2", "2.1"}:
        return None
    try:
        return Microversion.parse(str(value))
    except ValueError as exc:
        raise ConfigError(f"{field}: {exc}") from None


def _validate(
    model: type[_M],
    data: Mapping[str, Any],
    at: list[str],
    label: Callable[[list[str]], str],
    unsupported: str = "not a supported field",
) -> _M:
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        # Only the location and pydantic's message: its "input" would echo the value.
        problems = []
        for error in exc.errors(include_input=False, include_url=False):
            loc = at + [str(part) for part in error["loc"]]
            message = unsupported if error["type"] == "extra_forbidden" else error["msg"]
            problems.append(f"{label(loc)}: {message}")
        raise ConfigError("; ".join(problems)) from None


def _check_auth(auth: _Auth, label: Callable[[str], str]) -> None:
    """The rules a flat model cannot say: one of two fields, and fields that need a domain."""
    if not auth.auth_url.startswith(("http://", "https://")):
        raise ConfigError(f"{label('auth_url')}: must be an http:// or https:// URL")
    values = auth.model_dump()

    def one_of(*fields: str) -> str | None:
        given = [f for f in fields if values.get(f)]
        if not given:
            raise ConfigError(f"{label(fields[0])}: required (or {', '.join(fields[1:])})")
        return given[0]

    def domain_for(kind: str, name: str) -> None:
        # Keystone needs a domain only to resolve a name: with the ID present, ``auth`` sends
        # the ID alone (Horizon's clouds.yaml has project_id and project_name, no domain).
        if (
            values.get(name)
            and not values.get(f"{kind}_id")
            and not (values.get(f"{kind}_domain_name") or values.get(f"{kind}_domain_id"))
        ):
            raise ConfigError(
                f"{label(f'{kind}_domain_name')}: required with {name} (or {kind}_domain_id, "
                f"or {kind}_id instead of the name)"
            )

    if isinstance(auth, PasswordAuth):
        one_of("username", "user_id")
        domain_for("user", "username")
    if isinstance(auth, PasswordAuth | TokenAuth):
        one_of("project_name", "project_id")
        domain_for("project", "project_name")
    by_name = isinstance(auth, ApplicationCredentialAuth) and (
        one_of("application_credential_id", "application_credential_name")
        == "application_credential_name"
    )
    if by_name:
        one_of("username", "user_id")
        domain_for("user", "username")
