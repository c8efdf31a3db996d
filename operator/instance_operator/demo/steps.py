"""What the demo does, step by step, and what each step must lead to.

Each step is what a user would type (shown as the kubectl command) and the states it must bring
about, so the demo both shows the product and checks it: a step whose expectations are not met in
time ends the demo with a non-zero exit and names what was missing.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from instance_operator.sandbox import FULL, MINIMAL, Cluster, action_of, condition_of, example

Obj = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class World:
    """One look at everything the expectations judge."""

    instances: dict[str, Obj]
    #: Server names in the (simulated) cloud, deleted ones left out.
    servers: set[str]


@dataclasses.dataclass(frozen=True)
class Expect:
    #: What must hold, in words, for the failure message.
    what: str
    holds: Callable[[World], bool]
    #: What there is instead, in words.
    seen: Callable[[World], str]


@dataclasses.dataclass(frozen=True)
class Step:
    title: str
    #: The equivalent commands, shown to the user.
    commands: tuple[str, ...]
    act: Callable[[Cluster], None]
    expect: tuple[Expect, ...]


def _describe(world: World, name: str) -> str:
    instance = world.instances.get(name)
    if instance is None:
        return f"{name} does not exist"
    status = instance.get("status") or {}
    ready = condition_of(instance, "Ready")
    return (
        f"{name}: phase {status.get('phase', '-')}, Ready {ready.get('status', '-')}"
        f" ({ready.get('reason', '-')}: {ready.get('message', '')})"
    )


def ready(name: str, *, with_ip: bool = False) -> Expect:
    def holds(world: World) -> bool:
        instance = world.instances.get(name) or {}
        generation = (instance.get("metadata") or {}).get("generation")
        condition = condition_of(instance, "Ready")
        addressed = bool((instance.get("status") or {}).get("addresses")) or not with_ip
        current = condition.get("observedGeneration") == generation
        return condition.get("status") == "True" and current and addressed

    what = f"{name} Ready" + (" with an IP address" if with_ip else "")
    return Expect(what, holds, lambda world: _describe(world, name))


def phase(name: str, wanted: str) -> Expect:
    def holds(world: World) -> bool:
        return ((world.instances.get(name) or {}).get("status") or {}).get("phase") == wanted

    return Expect(f"{name} in phase {wanted}", holds, lambda world: _describe(world, name))


def succeeded(name: str, action: str, token: str) -> Expect:
    def record(world: World) -> Obj:
        return action_of(world.instances.get(name) or {}, action)

    def holds(world: World) -> bool:
        found = record(world)
        return found.get("token") == token and found.get("result") == "Succeeded"

    def seen(world: World) -> str:
        found = record(world)
        if not found:
            return f"{name} has no {action} result"
        return f"{name}'s {action} {found.get('token')!r}: {found.get('result')} {found.get('message', '')}"

    return Expect(f"{name}'s {action} {token!r} Succeeded", holds, seen)


def gone(name: str) -> Expect:
    return Expect(
        f"{name} deleted", lambda world: name not in world.instances, lambda w: _describe(w, name)
    )


def server(server_name: str, *, exists: bool) -> Expect:
    verb = "kept" if exists else "deleted"
    return Expect(
        f"server {server_name} {verb} in the cloud",
        lambda world: (server_name in world.servers) == exists,
        lambda world: f"the cloud has servers {sorted(world.servers) or 'none'}",
    )


def web_2() -> Obj:
    """instance-minimal.yaml as web-2, on the network ``private`` so that it gets an IP."""
    instance = example(MINIMAL)
    instance["metadata"]["name"] = "web-2"
    instance["spec"]["networks"] = [{"name": "private"}]
    return instance


def _annotate(name: str, action: str, token: str) -> Callable[[Cluster], None]:
    return lambda cluster: cluster.annotate(name, action, token)


def _annotate_command(name: str, action: str, token: str) -> str:
    return f"kubectl annotate instance {name} --overwrite instance-operator.dev/{action}={token}"


def _apply(cluster: Cluster) -> None:
    cluster.create(example(MINIMAL))
    cluster.create(web_2())
    cluster.create(example(FULL))


def _delete_all(cluster: Cluster) -> None:
    for name in ("web-1", "web-2", "db-1"):
        cluster.delete(name)


def steps(namespace: str) -> list[Step]:
    token = str(int(time.time()))
    ns = f"-n {namespace} "
    return [
        Step(
            "create three Instances from examples/",
            (
                f"kubectl {ns}apply -f examples/{MINIMAL}   # web-1: no network",
                f"kubectl {ns}apply -f -   # web-2: {MINIMAL} on network 'private'",
                f"kubectl {ns}apply -f examples/{FULL}   # db-1: with a snapshot at creation",
            ),
            _apply,
            (
                ready("web-1"),
                ready("web-2", with_ip=True),
                ready("db-1", with_ip=True),
                succeeded("db-1", "snapshot", "before-upgrade"),
            ),
        ),
        Step(
            "stop web-2",
            (_annotate_command("web-2", "stop", token),),
            _annotate("web-2", "stop", token),
            (succeeded("web-2", "stop", token), phase("web-2", "Stopped")),
        ),
        Step(
            "start web-2",
            (_annotate_command("web-2", "start", token),),
            _annotate("web-2", "start", token),
            (succeeded("web-2", "start", token), ready("web-2", with_ip=True)),
        ),
        Step(
            "reboot db-1",
            (_annotate_command("db-1", "reboot", token),),
            _annotate("db-1", "reboot", token),
            (succeeded("db-1", "reboot", token), ready("db-1", with_ip=True)),
        ),
        Step(
            "snapshot web-1",
            (_annotate_command("web-1", "snapshot", token),),
            _annotate("web-1", "snapshot", token),
            (succeeded("web-1", "snapshot", token), ready("web-1")),
        ),
        Step(
            "delete all three (db-1 has deletionPolicy Orphan: its server stays)",
            (f"kubectl {ns}delete instance web-1 web-2 db-1",),
            _delete_all,
            (
                gone("web-1"),
                gone("web-2"),
                gone("db-1"),
                server(f"{namespace}-web-1", exists=False),
                server(f"{namespace}-web-2", exists=False),
                server("db-primary", exists=True),
            ),
        ),
    ]
