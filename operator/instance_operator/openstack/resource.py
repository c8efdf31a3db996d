"""The base of every typed result: declarative wire-name mapping, like openstacksdk's resources.

A model declares its attributes with pydantic aliases for the wire names (``task_state`` <-
``OS-EXT-STS:task_state``); unknown keys are ignored, so a newer microversion that adds fields
never breaks parsing. Every result remembers the request ID of the answer it came from, because
the reconciler logs it and matches it against ``os-instance-actions``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, PrivateAttr, ValidationError

from instance_operator.openstack.errors import InvalidResponse


def _as_utc(value: datetime) -> datetime:
    """Nova writes some timestamps without a zone (``launched_at``, ``start_time``); they are UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


#: A timestamp, always timezone-aware in UTC.
Timestamp = Annotated[datetime, AfterValidator(_as_utc)]


class Resource(BaseModel):
    """Base of all results: immutable, populated by wire name or Python name."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    _request_id: str | None = PrivateAttr(default=None)

    @property
    def request_id(self) -> str | None:
        """The ``x-compute-request-id``/``x-openstack-request-id`` of the answer."""
        return self._request_id

    def __eq__(self, other: object) -> bool:
        """Equal values are equal whichever answer they came in: the request ID is not compared."""
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def parse(cls, body: Any, request_id: str | None = None) -> Self:
        """Validate a wire body and remember its request ID; ``InvalidResponse`` if it does not
        fit (naming the fields, never their values)."""
        try:
            model = cls.model_validate(body)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(body)'}: {e['msg']}"
                for e in exc.errors(include_input=False, include_url=False)
            )
            rid = f" [{request_id}]" if request_id else ""
            raise InvalidResponse(
                f"unexpected {cls.__name__} in the answer{rid}: {problems}"
            ) from None
        model._request_id = request_id
        return model


class Link(Resource):
    #: The linked URL.
    href: str
    #: ``self``, ``bookmark``, ``next``...
    rel: str | None = None


class Accepted(Resource):
    """The answer to a call that returns nothing but its acceptance (202/204), e.g. an action."""
