"""Turn pydantic's validation errors into one line a user can act on.

The operator re-validates every spec it reads (a cluster may run an older CRD without some rule),
and the resulting message ends up in a status condition and an Event, where pydantic's multi-line
report with its documentation URLs would be noise. Each problem is named by its field path as the
user wrote it (``spec.networks[0].fixedIP``).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from instance_operator.api.models import InstanceSpec


def field_path(root: str, loc: tuple[int | str, ...]) -> str:
    path = root
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def describe(exc: ValidationError, root: str = "spec") -> str:
    problems = []
    for error in exc.errors(include_url=False):
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{field_path(root, _visible_loc(error['loc']))}: {message}")
    return "; ".join(problems)


def _visible_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """Drop the "function-after[...]"-style steps pydantic adds for validators of annotated types."""
    return tuple(part for part in loc if not (isinstance(part, str) and "[" in part))


def validate_spec(spec: Any) -> InstanceSpec:
    """Parse a spec as found in the cluster; raise :class:`InvalidSpec` with a readable message."""
    try:
        return InstanceSpec.model_validate(spec)
    except ValidationError as exc:
        raise InvalidSpec(describe(exc)) from None


class InvalidSpec(ValueError):
    """The spec breaks a rule of the API; the message names each field."""
