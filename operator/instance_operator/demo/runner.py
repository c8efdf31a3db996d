"""Run the demo's steps in a sandbox, watching the Instances as they go, then sum up.

The cloud is the simulator with durations of a few seconds, so that every state is seen on the
way (Building, Stopped, Rebooting...) and the whole run takes about a minute.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import TextIO

from instance_operator.demo.failure import describe
from instance_operator.demo.steps import Step, World, steps
from instance_operator.demo.table import Row, Screen, render, row_of
from instance_operator.sandbox import Box, ChildFailed, OperatorFlags, Sandbox, example_cloud
from instance_operator.sandbox.processes import log_tail
from instance_operator.simulator.config import Durations

NAMESPACE = "instance-operator-demo"
NAMES = ("web-1", "web-2", "db-1")
#: Seconds each step may take before the demo gives up on it.
STEP_TIMEOUT = 45.0
_POLL = 0.25
#: On a terminal, how long a finished step's table stays before the next step starts.
_HOLD = 1.5

DEMO_CLOUD = Durations(
    build=3.0,
    stop=2.0,
    start=2.0,
    reboot=3.0,
    hard_reboot=3.0,
    resize=3.0,
    confirm_resize=0.5,
    snapshot_queued=1.0,
    snapshot_upload=2.0,
    delete=1.0,
)
DEMO_OPERATOR = OperatorFlags(
    namespaces=(NAMESPACE,),
    poll_interval=2.0,
    fast_poll_interval=0.5,
    resync_interval=30.0,
    secret_poll_interval=5.0,
    user_error_retry=30.0,
)

#: One Nova call per request: 3 creates, 5 actions (db-1's snapshot at creation, stop, start,
#: reboot, snapshot) and 2 deletes (db-1 is orphaned).
EXPECTED_CALLS = {"creates": 3, "actions": 5, "deletes": 2}


class DemoFailed(Exception):
    """A step did not reach its expected state; the message says which and what there was."""


class Stage:
    """What the demo is doing now, for a failure message that says where it happened."""

    def __init__(self) -> None:
        self.now = "setting up the simulator, Kubernetes and the operator"


def run_demo(out: TextIO, kubeconfig: str | None) -> int:
    screen = Screen(out, live=out.isatty())
    where = "the cluster of KUBECONFIG" if kubeconfig else "an embedded Kubernetes API"
    screen.say(f"Starting the OpenStack simulator, {where} and the operator ...")
    # The demo's own, so that it is kept, and named, when something fails.
    workdir = Path(tempfile.mkdtemp(prefix="instance-operator-demo-"))
    sandbox = Sandbox(
        simulator=example_cloud(DEMO_CLOUD),
        kubeconfig=kubeconfig,
        namespace=NAMESPACE,
        operator=DEMO_OPERATOR,
        workdir=workdir,
    )
    stage = Stage()
    try:
        with sandbox.running() as box:
            _introduce(screen, box, external=kubeconfig is not None)
            timings, rows = _run_steps(screen, box, stage)
            stage.now = "summing up"
            calls = _nova_calls(box)
            screen.close()
            _summarize(out, box, timings, rows, calls)
            if calls != EXPECTED_CALLS:
                raise DemoFailed(
                    f"the operator made other Nova calls than one per request: {calls}"
                    f" instead of {EXPECTED_CALLS}"
                )
            screen.say(f"Stopping everything; the demo took {screen.elapsed():.0f} s.")
            stage.now = "stopping everything"
    except DemoFailed as failure:
        return _failed(out, screen, str(failure), workdir)
    except KeyboardInterrupt:
        screen.close()
        shutil.rmtree(workdir, ignore_errors=True)
        out.write("\ninterrupted: everything the demo started has been stopped\n")
        return 130
    except Exception as error:  # whatever it is, the user learns where it happened
        return _failed(out, screen, f"{stage.now}: {describe(error)}", workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    out.write("Done: nothing is left running.\n")
    return 0


def _failed(out: TextIO, screen: Screen, message: str, workdir: Path) -> int:
    screen.close()
    out.write(f"\ndemo FAILED: {message}\n(logs kept in {workdir})\n")
    out.flush()
    return 1


def _introduce(screen: Screen, box: Box, *, external: bool) -> None:
    assert box.sim is not None
    screen.say(f"  OpenStack simulator  {box.sim.auth_url}")
    if external:
        screen.say(f"  Kubernetes           the cluster of KUBECONFIG, namespace {NAMESPACE}")
    else:
        assert box.kube is not None
        screen.say(f"  Kubernetes API       {box.kube.url} (embedded)")
    screen.say(f"  operator             pid {box.operator.pid}, log {box.operator.log_path}")
    screen.say(
        f"Watch along in another terminal:  KUBECONFIG={box.kubeconfig}"
        f" kubectl -n {NAMESPACE} get instances -w"
    )


def _run_steps(screen: Screen, box: Box, stage: Stage) -> tuple[list[tuple[str, float]], list[Row]]:
    """How long each step took, and the table as it was before the last step (the deletion)."""
    timings = []
    before_last: list[Row] = []
    plan = steps(NAMESPACE)
    for number, step in enumerate(plan, 1):
        before_last = screen.rows()
        stage.now = f"step {number} ({step.title})"
        screen.say(f"\n[{number}/{len(plan)}] {step.title}")
        for command in step.commands:
            screen.say(f"  $ {command}")
        started = time.monotonic()
        try:
            step.act(box.cluster)
            _await(screen, box, step)
        except ChildFailed as crash:
            raise DemoFailed(f"step {number} ({step.title}): {crash}") from crash
        except TimeoutError as timeout:
            tail = log_tail(box.operator.log_path, 15)
            raise DemoFailed(
                f"step {number} ({step.title}) did not reach its expected state within"
                f" {STEP_TIMEOUT:g} s:\n{timeout}\nlast lines of the operator's log"
                f" ({box.operator.log_path}):\n{tail}"
            ) from timeout
        took = time.monotonic() - started
        timings.append((step.title, took))
        screen.say(f"  ok after {took:.1f} s: " + ", ".join(e.what for e in step.expect))
        if screen.live:
            time.sleep(_HOLD)
    return timings, before_last


def _await(screen: Screen, box: Box, step: Step) -> World:
    deadline = time.monotonic() + STEP_TIMEOUT
    while True:
        box.check()
        world = _look(box)
        screen.show([row_of(name, world.instances.get(name)) for name in _shown(screen, world)])
        missing = [e for e in step.expect if not e.holds(world)]
        if not missing:
            return world
        if time.monotonic() > deadline:
            raise TimeoutError("\n".join(f"  expected {e.what}; {e.seen(world)}" for e in missing))
        time.sleep(_POLL)


def _shown(screen: Screen, world: World) -> list[str]:
    """The Instances seen so far, in the demo's order (deleted ones stay, marked so)."""
    seen = {row for row in NAMES if row in world.instances}
    return [name for name in NAMES if name in seen or screen.has_row(name)]


def _look(box: Box) -> World:
    assert box.sim is not None
    instances = {i["metadata"]["name"]: i for i in box.cluster.instances()}
    return World(instances, {s["name"] for s in box.sim.servers.list()})


def _nova_calls(box: Box) -> dict[str, int]:
    assert box.sim is not None
    counters = box.sim.counters.snapshot()
    return {
        "creates": counters.count("compute", "POST", "/v2.1/servers", 202),
        "actions": counters.count("compute", "POST", "/v2.1/servers/{server_id}/action", 202),
        "deletes": counters.count("compute", "DELETE", "/v2.1/servers/{server_id}", 204),
    }


def _summarize(
    out: TextIO,
    box: Box,
    timings: list[tuple[str, float]],
    rows: list[Row],
    calls: dict[str, int],
) -> None:
    assert box.sim is not None
    out.write("\nSummary\n")
    width = max(len(title) for title, _ in timings)
    for number, (title, took) in enumerate(timings, 1):
        out.write(f"  {number}. {title.ljust(width)}  ok  {took:5.1f} s\n")
    out.write("\nThe Instances before they were deleted:\n")
    for line in render(rows):
        out.write(f"  {line}\n")
    out.write("\nTheir Events (kubectl get events):\n")
    for name in NAMES:
        out.write(f"  {name}: {', '.join(reason for _, reason in box.cluster.reasons(name))}\n")
    left = [f"{s['name']} ({s['status']})" for s in box.sim.servers.list()]
    out.write(f"\nServers left in the cloud: {', '.join(left) or 'none'}\n")
    out.write(
        f"Nova calls: {calls['creates']} creates, {calls['actions']} actions,"
        f" {calls['deletes']} deletes (expected {EXPECTED_CALLS['creates']},"
        f" {EXPECTED_CALLS['actions']}, {EXPECTED_CALLS['deletes']}: one per request)\n\n"
    )
    out.flush()
