"""The whole product on one machine: simulator, Kubernetes API and operator as child processes.

For the demo, the end-to-end tests and benchmarks::

    from instance_operator.sandbox import OperatorFlags, Sandbox, example, example_cloud

    with Sandbox(simulator=example_cloud(), namespace="demo").running() as box:
        box.cluster.create(example("instance-minimal.yaml"))
        status = box.cluster.wait_ready("web-1")
        box.cluster.annotate("web-1", "reboot", "r1")
        box.cluster.wait_action("web-1", "reboot", "r1")
        box.sim.counters.count(method="POST", path="/v2.1/servers/{server_id}/action")
        box.operator.kill(); box.operator.start()     # SIGKILL and a fresh process
        box.kube.faults.inject("error", verbs=["patch"], resource="instances", count=1)

``box.cluster`` holds a user's verbs (create, annotate, patch, delete, events, waits);
``box.sim`` and ``box.kube`` the remote controls of the simulator and the embedded API
(``None`` for a real cloud or an existing cluster); ``box.operator`` the operator process and its
log. Nothing is left running when the block ends, however it ends.
"""

from instance_operator.sandbox.cluster import (
    Cluster,
    WaitTimeout,
    action_of,
    condition_of,
    connect,
    wait_for,
)
from instance_operator.sandbox.examples import (
    CLOUD_NAME,
    CREDENTIALS_SECRET,
    FULL,
    MINIMAL,
    example,
    example_cloud,
)
from instance_operator.sandbox.operator import OperatorFlags, OperatorProcess
from instance_operator.sandbox.processes import ChildFailed
from instance_operator.sandbox.sandbox import Box, KubeControls, Sandbox

__all__ = [
    "CLOUD_NAME",
    "CREDENTIALS_SECRET",
    "FULL",
    "MINIMAL",
    "Box",
    "ChildFailed",
    "Cluster",
    "KubeControls",
    "OperatorFlags",
    "OperatorProcess",
    "Sandbox",
    "WaitTimeout",
    "action_of",
    "condition_of",
    "connect",
    "example",
    "example_cloud",
    "wait_for",
]
