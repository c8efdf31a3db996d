"""Schema ``format`` checks on custom resources, as the apiextensions API server applies them.

The API server validates a string's ``format`` only when it is one of the formats CRDs
support (apiextensions' ``supportedVersionedFormats``, all from kube-openapi's default
``strfmt`` registry, names compared without ``-``); any other format is ignored. A failure is
a ``FieldValueTypeInvalid`` error worded ``<path> in body must be of type <format>: "<value>"``.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import ipaddress
import re
from collections.abc import Callable
from typing import Any

Schema = dict[str, Any]

_UUID = r"[0-9a-f]{8}-?[0-9a-f]{4}-?%s[0-9a-f]{3}-?%s[0-9a-f]{3}-?[0-9a-f]{12}"
_TIME = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))")
# Letters and digits of any script stand for kube-openapi's [a-zA-Z0-9\p{S}\p{L}].
_ALNUM, _LETTER = r"[^\W_]", r"[^\W\d_]"
_HOSTNAME = re.compile(
    rf"{_ALNUM}((-?{_ALNUM}{{0,62}})?)|({_ALNUM}(((?:-|{_ALNUM}){{0,61}}{_ALNUM})?)(\.)){{1,}}{_LETTER}{{2,63}}"
)
_DURATION_UNIT = r"(ns|us|µs|ms|s|m|h)"
_GO_DURATION = re.compile(rf"[-+]?((\d+(\.\d*)?|\.\d+){_DURATION_UNIT})+|[-+]?0")
_SCALA_DURATION = re.compile(
    r"\d+\s*(ns|nanos?|nanoseconds?|us|micros?|microseconds?|ms|millis?|milliseconds?|"
    r"s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)"
)


def _regex(pattern: str, flags: int = 0) -> Callable[[str], bool]:
    compiled = re.compile(pattern, flags)
    return lambda value: compiled.fullmatch(value) is not None


def _ip(marker: str) -> Callable[[str], bool]:
    """Go's ``net.ParseIP`` plus a ``.`` (IPv4, mapped ones too) or a ``:`` (IPv6)."""

    def check(value: str) -> bool:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            return False
        return marker in value

    return check


def _cidr(value: str) -> bool:
    if "/" not in value:
        return False
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


def _byte(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        return False
    return True


def _date(value: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _date_time(value: str) -> bool:
    """strfmt's IsDateTime: a date, a ``T``, and a time with seconds and a zone (``Z`` or ±hh:mm)."""
    parts = value.lower().split("t")
    if len(value) < 4 or len(parts) < 2 or not _date(parts[0]):
        return False
    match = _TIME.fullmatch(parts[1])
    return match is not None and int(match[1]) <= 23 and int(match[2]) <= 59 and int(match[3]) <= 59


def _hostname(value: str) -> bool:
    """strfmt's IsHostname: one label, or labels with a final one of 2-63 letters; 255 at most."""
    if len(value) > 255 or any(len(label) > 63 for label in value.split(".")):
        return False
    return _HOSTNAME.fullmatch(value) is not None


def _duration(value: str) -> bool:
    return bool(_GO_DURATION.fullmatch(value) or _SCALA_DURATION.fullmatch(value))


def _isbn10(value: str) -> bool:
    digits = re.sub(r"[\s-]", "", value)
    if not re.fullmatch(r"\d{9}[\dX]", digits):
        return False
    total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
    return total % 11 == 0


def _isbn13(value: str) -> bool:
    digits = re.sub(r"[\s-]", "", value)
    if not re.fullmatch(r"\d{13}", digits):
        return False
    total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(digits))
    return total % 10 == 0


#: Format name without ``-`` -> check, for every format CRDs support.
CHECKS: dict[str, Callable[[str], bool]] = {
    "bsonobjectid": _regex(r"[0-9a-fA-F]{24}"),
    "uri": _regex(r"([a-zA-Z][a-zA-Z0-9+.-]*:[^\s]*|/[^\s]*)"),
    "email": _regex(r"[^@\s<>]+@[^@\s<>]+"),
    "hostname": _hostname,
    "ipv4": _ip("."),
    "ipv6": _ip(":"),
    "cidr": _cidr,
    "mac": _regex(
        r"([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}|([0-9a-fA-F]{2}[:-]){7}[0-9a-fA-F]{2}|"
        r"([0-9a-fA-F]{2}[:-]){19}[0-9a-fA-F]{2}|([0-9a-fA-F]{4}\.){2,9}[0-9a-fA-F]{4}"
    ),
    "uuid": _regex(_UUID % ("[0-9a-f]", "[0-9a-f]"), re.IGNORECASE),
    "uuid3": _regex(_UUID % ("3", "[0-9a-f]"), re.IGNORECASE),
    "uuid4": _regex(_UUID % ("4", "[89ab]"), re.IGNORECASE),
    "uuid5": _regex(_UUID % ("5", "[89ab]"), re.IGNORECASE),
    "isbn": lambda value: _isbn10(value) or _isbn13(value),
    "isbn10": _isbn10,
    "isbn13": _isbn13,
    "creditcard": lambda value: (
        re.fullmatch(
            r"4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|"
            r"3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11}",
            re.sub(r"\D", "", value),
        )
        is not None
    ),
    "ssn": _regex(r"\d{3}[- ]?\d{2}[- ]?\d{4}"),
    "hexcolor": _regex(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})"),
    "rgbcolor": _regex(r"rgb\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)"),
    "byte": _byte,
    "password": lambda value: True,
    "date": _date,
    "duration": _duration,
    "datetime": _date_time,
}


Failure = tuple[list[Any], str, str]


def check(schema: Schema, value: Any) -> list[Failure]:
    """Strings under ``schema`` that fail their format: (path, format, value); root metadata skipped."""
    failures: list[Failure] = []
    _walk(schema, value, [], failures, root=True)
    return failures


def _walk(
    schema: Schema, value: Any, path: list[Any], failures: list[Failure], root: bool = False
) -> None:
    if isinstance(value, str):
        name = str(schema.get("format", ""))
        test = CHECKS.get(name.replace("-", ""))
        if test is not None and schema.get("type") == "string" and not test(value):
            failures.append((path, name, value))
    elif isinstance(value, dict):
        properties: dict[str, Schema] = schema.get("properties", {})
        additional = schema.get("additionalProperties")
        for key, item in value.items():
            if root and key == "metadata":
                continue
            sub = properties.get(key, additional if isinstance(additional, dict) else None)
            if sub is not None:
                _walk(sub, item, [*path, key], failures)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _walk(schema["items"], item, [*path, index], failures)
