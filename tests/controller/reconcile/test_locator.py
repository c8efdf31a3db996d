"""The server as fresh as the last change made to it: the watcher's observation, or Nova's answer
when the operator changed the server after that observation; by tag when its ID is not known."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, cast

from instance_operator.api.models import InstanceStatus
from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.observe.sessions import ScopeSession, Sessions
from instance_operator.controller.reconcile.actuator import Actuator
from instance_operator.controller.reconcile.credentials import CloudAccess
from instance_operator.controller.reconcile.locator import ServerLocator
from instance_operator.controller.reconcile.pass_state import Pass
from instance_operator.controller.registry import InstanceView, Registry
from instance_operator.controller.status.reasons import Reason

SERVER = Observed(
    id="s1", name="web-1", status="ACTIVE", task_state=None, power_state=1, updated=None,
    created=None, addresses=(), flavor_id=None, flavor_name="m1.small", image_id=None, key_name=None, availability_zone=None, server_groups=None,
    fault_code=None, fault_message=None, tags=("iop-uid-u1",), metadata={}, security_groups=(),
    seen_at=10.0,
)  # fmt: skip


class FakeWatcher:
    def __init__(self, seen: Observed | None) -> None:
        self.seen = seen
        self.recorded: list[Observed] = []

    def observation(self, server_id: str) -> Observed | None:
        return self.seen

    def record(self, server: Observed) -> None:
        self.recorded.append(server)


class FakeLookup:
    def __init__(self, found: Observed | None) -> None:
        self.found = found
        self.asked: list[str] = []

    def find(self, uid: str) -> Observed | None:
        self.asked.append(uid)
        return self.found


class FakeSession:
    def __init__(self, seen: Observed | None, tagged: Observed | None = None) -> None:
        self.watcher = FakeWatcher(seen)
        self.lookup = FakeLookup(tagged)


class FakeActuator:
    def __init__(self, fresh: Observed | None) -> None:
        self.fresh = fresh
        self.gets = 0

    def get(self, server_id: str, seen_at: float) -> Observed | None:
        self.gets += 1
        return self.fresh and replace(self.fresh, seen_at=seen_at)


class Clock:
    now = 20.0

    def __call__(self) -> float:
        return self.now


def locator(registry: Registry, clock: Clock) -> ServerLocator:
    # Opening credentials is not exercised here: any object stands in for the access and sessions.
    return ServerLocator(
        registry, cast(CloudAccess, object()), cast(Sessions, object()), clock=clock
    )


def a_pass(status: dict[str, Any]) -> Pass:
    view = InstanceView.from_body({"metadata": {"namespace": "ns", "name": "web-1", "uid": "u1"}})
    typed = InstanceStatus.model_validate(status)
    return Pass(view=view, status=typed, now=datetime.now(UTC), started=0.0)


def locate(found: ServerLocator, p: Pass, session: FakeSession, actuator: FakeActuator) -> Any:
    return found.locate(p, cast(ScopeSession, session), cast(Actuator, actuator))


def test_the_watcher_answers_until_the_operator_changes_the_server() -> None:
    clock = Clock()
    found = locator(Registry(), clock)
    session, nova = FakeSession(SERVER), FakeActuator(replace(SERVER, status="REBOOT"))
    assert locate(found, a_pass({"serverID": "s1"}), session, nova) is SERVER
    assert nova.gets == 0
    found.mutated("u1")  # at 20.0, after the watcher's observation at 10.0
    fresh = locate(found, a_pass({"serverID": "s1"}), session, nova)
    assert fresh.status == "REBOOT"
    assert nova.gets == 1
    assert session.watcher.recorded == [fresh]  # the watcher learns the fresher observation
    # Once the watcher has seen the server after the change, it answers again.
    session.watcher.seen = replace(SERVER, seen_at=21.0)
    assert locate(found, a_pass({"serverID": "s1"}), session, nova).seen_at == 21.0
    assert nova.gets == 1
    found.forget("u1")
    assert found.last_mutation("u1") == float("-inf")


def test_without_an_id_the_server_is_found_by_its_tag_and_adopted() -> None:
    registry = Registry()
    found = locator(registry, Clock())
    session = FakeSession(None, tagged=SERVER)
    p = a_pass({})
    assert locate(found, p, session, FakeActuator(None)) is SERVER
    assert session.lookup.asked == ["u1"]
    assert p.status.server_id == "s1"
    assert registry.uid_for_server("s1") == "u1"
    assert [e[1] for e in p.events] == [Reason.ADOPTED]
    nothing = a_pass({})
    assert locate(found, nothing, FakeSession(None, tagged=None), FakeActuator(None)) is None
    assert nothing.status.server_id is None
