"""A server's action log (``os-instance-actions``): what Nova was asked to do, and by which request.

After a crash the reconciler does not know whether its last call reached Nova. Every accepted
call leaves an action here whose ``request_id`` is the one the call's answer carried, and whose
``start_time`` says when; listing them answers the question. Pages (2.58+) are followed lazily,
newest first.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from pydantic import Field

from instance_operator.openstack.pagination import paginate
from instance_operator.openstack.resource import Resource, Timestamp
from instance_operator.openstack.routes import Route
from instance_operator.openstack.service import ServiceClient


class InstanceAction(Resource):
    #: ``create``, ``start``, ``stop``, ``reboot``, ``createImage``, ``resize``, ``delete``...
    action: str
    #: The request ID of the call that caused it (that call's ``Accepted.request_id``). Not
    #: ``request_id``, which every result uses for the answer it came in.
    action_request_id: str = Field(alias="request_id")
    instance_uuid: str | None = None
    start_time: Timestamp
    #: Set when the action failed.
    message: str | None = None
    user_id: str | None = None
    project_id: str | None = None
    #: 2.58+.
    updated_at: Timestamp | None = None


class ActionEvent(Resource):
    event: str
    start_time: Timestamp | None = None
    finish_time: Timestamp | None = None
    #: ``Success`` or ``Error``; ``None`` while running.
    result: str | None = None


class InstanceActionDetail(InstanceAction):
    events: list[ActionEvent] = Field(default_factory=list)


def _actions(server_id: str) -> Route:
    return Route.of("servers/{server_id}/os-instance-actions", server_id=server_id)


def list_actions(
    client: ServiceClient,
    server_id: str,
    *,
    changes_since: datetime | None = None,
    limit: int | None = None,
) -> Iterator[InstanceAction]:
    """The server's actions, newest first; ``changes_since`` must be timezone-aware.

    To learn whether a call reached Nova: look for an action whose ``action_request_id`` is the
    call's request ID, or, when the answer (and so its ID) was lost, one of the call's kind that
    started after the call was made.
    """
    params: list[tuple[str, str]] = []
    if changes_since is not None:
        if changes_since.utcoffset() is None:
            raise ValueError("changes_since must be timezone-aware")
        params.append(("changes-since", changes_since.isoformat()))
    if limit is not None:
        params.append(("limit", str(limit)))
    return paginate(
        client,
        _actions(server_id),
        key="instanceActions",
        model=InstanceAction,
        params=params,
        identity="request_id",
    )


def get_action(client: ServiceClient, server_id: str, request_id: str) -> InstanceActionDetail:
    route = Route.of(
        "servers/{server_id}/os-instance-actions/{request_id}",
        server_id=server_id,
        request_id=request_id,
    )
    response = client.get(route)
    return InstanceActionDetail.parse(response.object("instanceAction"), response.request_id)
