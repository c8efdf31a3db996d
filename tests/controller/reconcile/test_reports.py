"""What a pass says about a server without changing it, and the fields that cannot change."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from instance_operator.api.models import InstanceStatus, Phase
from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.reconcile.immutability import (
    CREDENTIALS_FIELD,
    changed_immutable_fields,
    check_immutable,
    spec_digests,
)
from instance_operator.controller.reconcile.pass_state import Pass
from instance_operator.controller.reconcile.reports import (
    explain_placement,
    mirror,
    report_lost,
    report_unreachable,
)
from instance_operator.controller.registry import InstanceView
from instance_operator.controller.status.reasons import Reason
from instance_operator.openstack.compute.server_groups import ServerGroup
from instance_operator.sandbox import example

SERVER = Observed(
    id="s1", name="web-1", status="ACTIVE", task_state=None, power_state=1, updated=None,
    created=None, addresses=(), flavor_id="f1", flavor_name=None, image_id="i1", key_name=None, availability_zone=None, server_groups=None,
    fault_code=None, fault_message=None, tags=(), metadata={}, security_groups=(), seen_at=0.0,
)  # fmt: skip


def a_pass(status: dict[str, Any] | None = None, spec: dict[str, Any] | None = None) -> Pass:
    """A pass over an Instance whose status is ``status`` as the API stores it."""
    body = {
        "metadata": {"namespace": "ns", "name": "web-1", "uid": "u1"},
        "spec": spec or example("instance-minimal.yaml")["spec"],
    }
    return Pass(
        view=InstanceView.from_body(body),
        status=InstanceStatus.model_validate(status or {}),
        now=datetime.now(UTC),
        started=0.0,
    )


def test_mirror_fills_in_the_half_of_the_flavor_nova_does_not_show() -> None:
    p = a_pass({"serverID": "s1", "taskState": "stale"})
    mirror(p, SERVER, {"f1": "m1.small"})
    assert (p.status.flavor_id, p.status.flavor_name) == ("f1", "m1.small")
    assert "taskState" not in p.status.wire()  # what Nova no longer shows goes
    by_name = a_pass({"serverID": "s1"})
    mirror(by_name, replace(SERVER, flavor_id=None, flavor_name="m1.small"), {"f1": "m1.small"})
    assert by_name.status.flavor_id == "f1"
    assert by_name.problem is None


def test_an_errored_server_is_a_problem_that_names_nova_s_fault() -> None:
    p = a_pass({"serverID": "s1"})
    mirror(p, replace(SERVER, status="ERROR", fault_message="No valid host was found."), {})
    assert p.problem is not None
    assert p.problem.reason is Reason.SERVER_ERROR
    assert "No valid host was found." in p.problem.message
    assert not p.problem.transient


def test_lost_keeps_the_server_s_id_and_name_and_drops_the_rest() -> None:
    p = a_pass({"serverID": "s1", "serverName": "web-1", "addresses": [], "flavorID": "f1"})
    report_lost(p)
    assert p.status.wire() == {"serverID": "s1", "serverName": "web-1", "phase": "Lost"}
    assert p.problem is not None
    assert p.problem.reason is Reason.SERVER_LOST


def test_unknown_is_reported_once_and_keeps_what_was_known() -> None:
    kept = [{"network": "private", "ip": "10.0.0.5", "version": 4}]
    p = a_pass({"serverID": "s1", "addresses": kept, "serverStatus": "ACTIVE"})
    unknown = replace(SERVER, status="UNKNOWN")
    report_unreachable(p, unknown)
    assert p.status.phase is Phase.UNKNOWN
    assert p.status.wire()["addresses"] == kept
    assert [e[1] for e in p.events] == [Reason.SERVER_UNKNOWN]
    again = a_pass(p.status.wire())
    report_unreachable(again, unknown)
    assert again.events == []  # the Event is for the change, not every pass
    assert again.problem is not None
    assert again.problem.transient


def test_changed_immutable_fields_are_reported_and_nothing_else() -> None:
    spec = example("instance-minimal.yaml")["spec"]
    recorded = {"specDigests": spec_digests(spec)}
    typed = InstanceStatus.model_validate(recorded)
    assert changed_immutable_fields(typed, spec) == []
    moved = {**spec, "cloudCredentialsRef": {"secretName": "other", "cloudName": "mycloud"}}
    assert changed_immutable_fields(typed, moved) == [CREDENTIALS_FIELD]
    p = a_pass(recorded, moved)
    assert check_immutable(p) == [CREDENTIALS_FIELD]
    assert p.problem is not None
    assert p.problem.reason is Reason.IMMUTABLE_FIELD_CHANGED
    # An Instance from before digests were kept starts from its current spec.
    fresh = a_pass({}, moved)
    assert check_immutable(fresh) == []
    assert fresh.status.spec_digests == spec_digests(moved)


def test_a_field_made_immutable_after_creation_counts_from_its_first_pass() -> None:
    """Digests recorded before spec.serverGroup existed: no change is reported after the upgrade,
    and from then on the field is held like the others."""
    spec = example("instance-minimal.yaml")["spec"]
    older = {f: d for f, d in spec_digests(spec).items() if f != "serverGroup"}
    p = a_pass({"specDigests": older}, spec)
    assert check_immutable(p) == []
    assert p.status.spec_digests == spec_digests(spec)
    grouped = {**spec, "serverGroup": {"name": "pair"}}
    assert changed_immutable_fields(p.status, grouped) == ["serverGroup"]


def placed_in(policy: str) -> ServerGroup:
    return ServerGroup.parse({"id": "g1", "name": "pair", "policy": policy, "members": []}, None)


def test_a_server_nova_could_not_place_names_its_group_and_the_way_out() -> None:
    refused = replace(SERVER, status="ERROR", fault_message="No valid host was found. There are")
    p = a_pass({"serverID": "s1"})
    mirror(p, refused, {})
    explain_placement(p, refused, placed_in("anti-affinity"))
    assert p.problem is not None
    assert p.problem.reason is Reason.SERVER_ERROR
    assert "server group pair (g1, policy anti-affinity): No valid host" in p.problem.message
    assert "soft-anti-affinity" in p.problem.message
    assert "hard reboot" not in p.problem.message  # a server that never had a host
    other = replace(SERVER, status="ERROR", fault_message="disk full")
    q = a_pass({"serverID": "s1"})
    mirror(q, other, {})
    before = q.problem
    explain_placement(q, other, placed_in("anti-affinity"))
    assert q.problem == before  # another fault is Nova's to tell
