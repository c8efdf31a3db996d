"""Request-body checks that fail with the words of Nova's JSON-schema validation.

Nova validates bodies with jsonschema and reports the first error as "Invalid input for
field/attribute <key>. Value: <value>. <jsonschema message>". Clients and tests match on that
text, so these helpers reproduce it for the checks the simulator makes.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from typing import Any

from instance_operator.simulator.errors import ApiError, nova_validation

METADATA_KEY = re.compile(r"^[a-zA-Z0-9-_:. ]{1,255}$")
TAG = re.compile(r"^[^,/]*$")
_INVALID_NAME = (
    "An invalid 'name' value was provided. The name must be: printable characters. "
    "Can not start or end with whitespace."
)


def mapping(body: Any, key: str) -> dict[str, Any]:
    """``body[key]`` as an object, or Nova's error for a missing or mistyped one."""
    if not isinstance(body, dict) or key not in body:
        raise ApiError(400, f"'{key}' is a required property")
    value = body[key]
    if not isinstance(value, dict):
        raise nova_validation(key, value, f"{value!r} is not of type 'object'")
    return value


def no_extra_keys(where: str | None, body: dict[str, Any], allowed: set[str]) -> None:
    """Nova's ``additionalProperties: false``; ``where`` is ``None`` for the top level of a body."""
    extra = sorted(k for k in body if k not in allowed)
    if not extra:
        return
    listed = ", ".join(repr(k) for k in extra)
    verb = "was" if len(extra) == 1 else "were"
    problem = f"Additional properties are not allowed ({listed} {verb} unexpected)"
    if where is None:
        raise ApiError(400, problem)
    raise nova_validation(where, body, problem)


def required(where: str, body: dict[str, Any], key: str) -> Any:
    if key not in body:
        raise nova_validation(where, body, f"'{key}' is a required property")
    return body[key]


def string(key: str, value: Any, *, min_length: int = 0, max_length: int = 255) -> str:
    if not isinstance(value, str):
        raise nova_validation(key, value, f"{value!r} is not of type 'string'")
    if len(value) < min_length:
        raise nova_validation(key, value, f"{value!r} is too short")
    if len(value) > max_length:
        raise nova_validation(key, value, f"{value!r} is too long")
    return value


def name(key: str, value: Any) -> str:
    text = string(key, value, min_length=1)
    if text != text.strip() or not text.isprintable():
        raise ApiError(400, _INVALID_NAME)
    return text


def uuid_string(key: str, value: Any) -> str:
    text = string(key, value)
    try:
        uuid.UUID(text)
    except ValueError:
        raise nova_validation(key, value, f"{value!r} is not a 'uuid'") from None
    return text


def base64_string(key: str, value: Any) -> str:
    text = string(key, value, max_length=65535)
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise nova_validation(key, value, f"{value!r} is not a 'base64'") from None
    return text


def metadata(key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise nova_validation(key, value, f"{value!r} is not of type 'object'")
    for meta_key, meta_value in value.items():
        if not METADATA_KEY.match(meta_key):
            raise nova_validation(
                key,
                value,
                f"{meta_key!r} does not match any of the regexes: '{METADATA_KEY.pattern}'",
            )
        string(meta_key, meta_value)
    return dict(value)


def tags(key: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise nova_validation(key, value, f"{value!r} is not of type 'array'")
    if len(value) > 50:
        raise nova_validation(key, value, f"{value!r} is too long")
    for index, tag in enumerate(value):
        string(str(index), tag, min_length=1, max_length=60)
        if not TAG.match(tag):
            raise nova_validation(str(index), tag, f"{tag!r} does not match '{TAG.pattern}'")
    return sorted(set(value))


def json_type_error(key: str, value: Any, wanted: str) -> ApiError:
    return nova_validation(key, value, f"{value!r} is not of type '{wanted}'")
