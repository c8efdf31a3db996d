"""What deleting an Instance does to its server, with fakes for everything around the finalizer:
delete once and wait, orphan by releasing, refuse under changed credentials, say why when stuck."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import pytest

from instance_operator.api import names
from instance_operator.api.models import InstanceStatus
from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.reconcile.failures import UserError
from instance_operator.controller.reconcile.finalizer import Finalizer
from instance_operator.controller.reconcile.immutability import spec_digests
from instance_operator.controller.reconcile.locator import ServerLocator
from instance_operator.controller.registry import Registry
from instance_operator.controller.status.reasons import Reason
from instance_operator.controller.status.writer import Recorder, StatusWriter
from instance_operator.openstack import errors as os_errors
from instance_operator.sandbox import example

SERVER = Observed(
    id="s1", name="team-a-web-1", status="ACTIVE", task_state=None, power_state=1, updated=None,
    created=None, addresses=(), flavor_id=None, flavor_name="m1.small", image_id=None, key_name=None, availability_zone=None, server_groups=None,
    fault_code=None, fault_message=None, tags=("iop-uid-u1",), metadata={}, security_groups=(),
    seen_at=0.0,
)  # fmt: skip


class Nova:
    def __init__(self, server: Observed | None) -> None:
        self.server = server
        self.calls: list[tuple[str, str]] = []
        self.broken: Exception | None = None

    def delete(self, server_id: str) -> None:
        self.calls.append(("delete", server_id))

    def release(self, ref: Any, server: Observed) -> None:
        self.calls.append(("release", server.id))


class Session:
    def __init__(self) -> None:
        self.watcher = self
        self.hurried = 0

    def hurry(self, seconds: float) -> None:
        self.hurried += 1


class Locator:
    def __init__(self, nova: Nova) -> None:
        self.nova = nova
        self.session = Session()
        self.mutations: list[str] = []

    def open(self, view: Any, credentials: Any) -> tuple[None, Session, Nova]:
        if self.nova.broken is not None:
            raise self.nova.broken
        return None, self.session, self.nova

    def locate(self, p: Any, session: Any, actuator: Any) -> Observed | None:
        return self.nova.server

    def mutated(self, uid: str) -> None:
        self.mutations.append(uid)


class Writer:
    """Remembers the statuses written, as the API would store them."""

    def __init__(self, status: dict[str, Any]) -> None:
        self.status = InstanceStatus.model_validate(status)
        self.written: list[dict[str, Any]] = []

    def current(self, view: Any) -> InstanceStatus:
        return self.status.model_copy(deep=True)

    def write(self, view: Any, status: InstanceStatus) -> bool:
        self.written.append(status.wire())
        return True


class Events:
    def __init__(self) -> None:
        self.posted: list[tuple[str, str, str]] = []

    def normal(self, ref: Any, reason: Any, message: str) -> None:
        self.posted.append(("Normal", reason.value, message))

    def warning(self, ref: Any, reason: Any, message: str) -> None:
        self.posted.append(("Warning", reason.value, message))


class Harness:
    def __init__(
        self, server: Observed | None, annotations: dict[str, str] | None = None, **spec: Any
    ) -> None:
        self.spec = {**example("instance-minimal.yaml")["spec"], **spec}
        self.nova = Nova(server)
        self.locator = Locator(self.nova)
        self.writer = Writer({"serverID": "s1", "specDigests": spec_digests(self.spec)})
        self.events = Events()
        self.registry = Registry()
        self.registry.update(
            {
                "metadata": {
                    "namespace": "team-a",
                    "name": "web-1",
                    "uid": "u1",
                    "annotations": annotations or {},
                },
                "spec": self.spec,
            }
        )
        self.finalizer = Finalizer(
            cast(ServerLocator, self.locator),
            self.registry,
            cast(StatusWriter, self.writer),
            cast(Recorder, self.events),
            clock=lambda: 0.0,
        )

    def finalize(self) -> Any:
        return self.finalizer.finalize("u1")


def test_delete_asks_nova_once_then_waits_until_the_server_is_gone() -> None:
    h = Harness(SERVER)
    first = h.finalize()
    assert not first.done
    assert h.nova.calls == [("delete", "s1")]
    assert h.locator.mutations == ["u1"]
    assert h.locator.session.hurried == 1
    assert h.writer.written[-1]["phase"] == "Deleting"
    h.nova.server = replace(SERVER, task_state="deleting")
    assert not h.finalize().done
    assert h.nova.calls == [("delete", "s1")]  # Nova is deleting it: not asked again
    h.nova.server = None
    assert h.finalize().done
    assert h.events.posted[-1][:2] == ("Normal", "Deleted")


def test_orphan_releases_the_server_and_names_it() -> None:
    h = Harness(SERVER, deletionPolicy="Orphan")
    assert h.finalize().done
    assert h.nova.calls == [("release", "s1")]
    kind, reason, message = h.events.posted[-1]
    assert (kind, reason) == ("Normal", "Orphaned")
    assert "team-a-web-1 (s1)" in message


def test_changed_credentials_never_delete_and_say_how_out() -> None:
    h = Harness(SERVER)
    h.registry.update(
        {
            "metadata": {"namespace": "team-a", "name": "web-1", "uid": "u1"},
            "spec": {**h.spec, "cloudCredentialsRef": {"secretName": "other", "cloudName": "c"}},
        }
    )
    outcome = h.finalize()
    assert not outcome.done
    assert outcome.failed
    assert h.nova.calls == []
    assert "deletionPolicy to Orphan" in outcome.message
    assert h.writer.written[-1]["phase"] == "Deleting"  # and the conditions say why


def test_a_missing_secret_blocks_with_both_ways_out() -> None:
    h = Harness(SERVER)
    h.nova.broken = UserError(Reason.SECRET_NOT_FOUND, "Secret team-a/creds does not exist.")
    outcome = h.finalize()
    assert not outcome.done
    assert outcome.failed
    assert "restore the Secret" in outcome.message
    assert "deletionPolicy to Orphan" in outcome.message
    orphaned = Harness(SERVER, deletionPolicy="Orphan")
    orphaned.nova.broken = os_errors.ConnectionFailed("down", method="GET", url="servers/s1")
    assert orphaned.finalize().done  # released: nothing will retry, the Event says what is left
    assert orphaned.events.posted[-1][1] == "Orphaned"


@pytest.mark.parametrize("policy", ["Delete", "Orphan"])
def test_a_protected_instance_is_held_and_its_server_left_whatever_the_policy(policy: str) -> None:
    """No admission policy refused the DELETE (an older cluster): the finalizer holds it."""
    h = Harness(SERVER, {names.DELETION_PROTECTION: "true"}, deletionPolicy=policy)
    outcome = h.finalize()
    assert not outcome.done
    assert outcome.held  # returned to kopf, which must see the next event
    assert not outcome.waits_for_the_server
    assert h.nova.calls == []
    kind, reason, message = h.events.posted[-1]
    assert (kind, reason) == ("Warning", "DeletionProtected")
    assert (
        "kubectl annotate instance web-1 -n team-a instance-operator.dev/deletion-protection-"
        in message
    )
    assert outcome.message == message
    written = h.writer.written[-1]
    assert written["phase"] == "Deleting"
    stalled = {c["type"]: c for c in written["conditions"]}["Stalled"]
    assert (stalled["status"], stalled["reason"]) == ("True", "DeletionProtected")


@pytest.mark.parametrize("value", ["false", "True", ""])
def test_only_the_exact_value_true_protects_as_the_admission_policy_reads_it(value: str) -> None:
    h = Harness(SERVER, {names.DELETION_PROTECTION: value})
    h.finalize()
    assert h.nova.calls == [("delete", "s1")]
