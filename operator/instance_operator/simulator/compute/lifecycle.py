"""The server state machine: which operation is allowed when, and what it becomes over time.

Each operation checks the vm_state/task_state pair as Nova's API does (409 otherwise),
records an instance action under the caller's request ID, sets the transitional task_state
and schedules its completion on the shared timeline. Completions are guarded by the server's
epoch, so a delete during a build simply wins.
"""

from __future__ import annotations

import itertools
import secrets
import string
import uuid
from collections.abc import Callable, Iterable

from instance_operator.simulator.compute.model import (
    ACTIVE,
    DELETED,
    ERROR,
    NOSTATE,
    RESIZED,
    RUNNING,
    SHUTDOWN,
    STOPPED,
    ActionEvent,
    Fault,
    InstanceAction,
    Server,
)
from instance_operator.simulator.compute.plans import Blueprint, Caller
from instance_operator.simulator.compute.scheduler import NO_VALID_HOST, Scheduler
from instance_operator.simulator.compute.server_groups import ServerGroups
from instance_operator.simulator.config import SimulatorConfig
from instance_operator.simulator.errors import ApiError, nova_invalid_state
from instance_operator.simulator.image.store import Image, ImageStore, SnapshotSource
from instance_operator.simulator.network.store import NetworkStore
from instance_operator.simulator.timeline import Timeline


def _hostname(name: str) -> str:
    cleaned = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-.")
    return cleaned[:63] or "server"


def _password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(12))


class Compute:
    def __init__(
        self,
        config: SimulatorConfig,
        timeline: Timeline,
        network: NetworkStore,
        images: ImageStore,
    ) -> None:
        self._config = config
        self._timeline = timeline
        self._network = network
        self._images = images
        self.servers: dict[str, Server] = {}
        #: Servers in creation order, deleted ones included (``changes-since`` shows them).
        self.order: list[Server] = []
        self.position: dict[str, int] = {}
        self._serial = itertools.count(1)
        self.groups = ServerGroups(config)
        self.scheduler = Scheduler(config.compute_hosts)

    def clear(self) -> None:
        self.servers.clear()
        self.order.clear()
        self.position.clear()
        self.groups.clear()
        self.scheduler.clear()

    # ---- look-ups and quota -------------------------------------------------------------

    def find(self, server_id: str, project_id: str, is_admin: bool) -> Server:
        """The server as the caller may see it; deleted or foreign servers are 404."""
        server = self.servers.get(server_id)
        if server is None or server.deleted or not (is_admin or server.project_id == project_id):
            raise ApiError(404, f"Instance {server_id} could not be found.")
        return server

    def usage(self, project_id: str) -> tuple[int, int, int]:
        live = [s for s in self.order if not s.deleted and s.project_id == project_id]
        return len(live), sum(s.flavor.vcpus for s in live), sum(s.flavor.ram for s in live)

    def check_quota(self, project_id: str, instances: int, cores: int, ram: int) -> None:
        quota = self._config.quota
        used = dict(zip(("instances", "cores", "ram"), self.usage(project_id), strict=True))
        asked = {"instances": instances, "cores": cores, "ram": ram}
        limits = {"instances": quota.instances, "cores": quota.cores, "ram": quota.ram}
        overs = sorted(
            k for k in asked if limits[k] >= 0 and asked[k] > 0 and used[k] + asked[k] > limits[k]
        )
        if overs:

            def join(values: Iterable[object]) -> str:
                return ", ".join(str(v) for v in values)

            raise ApiError(
                403,
                f"Quota exceeded for {join(overs)}: Requested {join(asked[k] for k in overs)}, "
                f"but already used {join(used[k] for k in overs)} of {join(limits[k] for k in overs)} "
                f"{join(overs)}",
            )

    # ---- bookkeeping --------------------------------------------------------------------

    def _add(self, server: Server) -> None:
        self.servers[server.id] = server
        self.position[server.id] = len(self.order)
        self.order.append(server)

    def _begin(
        self, server: Server, action: str, events: list[str], caller: Caller, now: float
    ) -> InstanceAction:
        """Start an operation: older scheduled steps become void, the action is recorded."""
        server.epoch += 1
        record = InstanceAction(
            action=action,
            request_id=caller.request_id,
            user_id=caller.user_id,
            project_id=caller.project_id,
            start=now,
            events=[ActionEvent(event=e, start=now, host=server.host) for e in events],
        )
        server.actions.append(record)
        server.updated = now
        return record

    def _at(self, server: Server, due: float, change: Callable[[float], None]) -> None:
        epoch = server.epoch

        def step(at: float) -> None:
            if server.epoch == epoch and not server.deleted:
                change(at)
                server.updated = at

        self._timeline.at(due, step)

    @staticmethod
    def _finish(record: InstanceAction, at: float, result: str = "Success") -> None:
        for event in record.events:
            event.finish = at
            event.result = result
        if result != "Success":
            record.message = "Error"

    @staticmethod
    def _require(
        server: Server,
        method: str,
        vm_states: Iterable[str],
        task_states: Iterable[str | None] = (None,),
    ) -> None:
        if server.vm_state not in set(vm_states):
            raise nova_invalid_state(method, server.id, "vm_state", server.vm_state)
        if server.task_state not in set(task_states):
            raise nova_invalid_state(method, server.id, "task_state", server.task_state)
        if server.launched_at is None:
            raise ApiError(409, f"Instance {server.id} is in an invalid state for '{method}'")

    # ---- create -------------------------------------------------------------------------

    def create(
        self, plan: Blueprint, caller: Caller, now: float, build_error: str | None
    ) -> Server:
        server = Server(
            id=str(uuid.uuid4()),
            name=plan.name,
            project_id=caller.project_id,
            user_id=caller.user_id,
            flavor=plan.flavor,
            image_id=plan.image.id,
            created=now,
            updated=now,
            hostname=plan.hostname or _hostname(plan.name),
            reservation_id="r-" + secrets.token_hex(4),
            admin_pass=plan.admin_pass or _password(),
            key_name=plan.key_name,
            user_data=plan.user_data,
            description=plan.description,
            requested_az=plan.availability_zone,
            access_ipv4=plan.access_ipv4,
            access_ipv6=plan.access_ipv6,
            config_drive="True" if plan.config_drive else "",
            scheduler_hints=dict(plan.scheduler_hints or {}),
            metadata=dict(plan.metadata or {}),
            tags=list(plan.tags or []),
            security_groups=list(plan.group_names),
        )
        for attachment in plan.attachments:
            if attachment.port is not None:
                self._network.bind(attachment.port, server.id, now)
                server.ports.append(attachment.port.id)
                continue
            assert attachment.network is not None
            try:
                port = self._network.create_port(
                    attachment.network, caller.project_id, plan.group_ids, now, attachment.fixed_ip
                )
            except LookupError as exc:
                build_error = build_error or f"Build of instance {server.id} aborted: {exc}"
                break
            self._network.bind(port, server.id, now)
            server.ports.append(port.id)
            server.own_ports.add(port.id)
        self._add(server)
        if plan.server_group is not None:
            self.groups.join(plan.server_group, server.id)
        record = self._begin(server, "create", ["compute__do_build_and_run_instance"], caller, now)
        self._build(server, record, now, build_error)
        return server

    def _place(self, server: Server) -> bool:
        """Put the server on the host the scheduler picks; ``False`` if its group allows none."""
        host = self.scheduler.pick(server, self.groups.of_server(server.id), self.servers)
        if host is None:
            return False
        self.scheduler.claim(server, host)
        server.host = host
        server.availability_zone = server.requested_az or self._config.availability_zones[0]
        server.instance_name = f"instance-{next(self._serial):08x}"
        server.task_state = "spawning"
        return True

    def _build(self, server: Server, record: InstanceAction, now: float, error: str | None) -> None:
        duration = self._config.durations.build

        def scheduled(at: float) -> None:
            if error is None and self._place(server):
                return
            reason = error or NO_VALID_HOST
            server.epoch += 1  # no host: the rest of the build never happens
            server.vm_state, server.task_state, server.power_state = ERROR, None, NOSTATE
            server.fault = Fault(500, reason, f"nova.exception.NoValidHost: {reason}", at)
            self._network.release(server.ports, server.own_ports, at)
            server.ports = []
            self._finish(record, at, "Error")

        def active(at: float) -> None:
            server.vm_state, server.task_state, server.power_state = ACTIVE, None, RUNNING
            server.launched_at = at
            server.root_device_name = "/dev/vda"
            for event in record.events:
                event.host = server.host
            self._finish(record, at)

        self._at(server, now + duration / 2, scheduled)
        if error is None:
            self._at(server, now + duration, active)

    def seed(self, plan: Blueprint, caller: Caller, now: float, status: str) -> Server:
        """Put a server straight into ``status`` (ACTIVE, SHUTOFF, ERROR or BUILD), no waiting."""
        server = self.create(plan, caller, now, None)
        server.epoch += 1
        if status == "BUILD":
            self._build(server, server.actions[-1], now, None)
            return server
        placed = self._place(server)
        assert placed, "a seeded server has no group to refuse it"
        server.task_state, server.launched_at, server.root_device_name = None, now, "/dev/vda"
        server.vm_state, server.power_state = {
            "ACTIVE": (ACTIVE, RUNNING),
            "SHUTOFF": (STOPPED, SHUTDOWN),
            "ERROR": (ERROR, NOSTATE),
        }[status]
        if status == "ERROR":
            server.fault = Fault(500, "Seeded in ERROR", "", now)
        self._finish(server.actions[-1], now, "Error" if status == "ERROR" else "Success")
        return server

    # ---- power and reboot ---------------------------------------------------------------

    def stop(self, server: Server, caller: Caller, now: float) -> None:
        self._require(server, "stop", (ACTIVE, ERROR))
        record = self._begin(server, "stop", ["compute_stop_instance"], caller, now)
        server.task_state = "powering-off"

        def done(at: float) -> None:
            server.vm_state, server.task_state, server.power_state = STOPPED, None, SHUTDOWN
            self._finish(record, at)

        self._at(server, now + self._config.durations.stop, done)

    def start(self, server: Server, caller: Caller, now: float) -> None:
        self._require(server, "start", (STOPPED,))
        record = self._begin(server, "start", ["compute_start_instance"], caller, now)
        server.task_state = "powering-on"
        self._at(server, now + self._config.durations.start, self._running(server, record))

    def reboot(self, server: Server, hard: bool, caller: Caller, now: float) -> None:
        if hard:
            self._require(
                server, "reboot", (ACTIVE, STOPPED, ERROR), (None, "rebooting", "rebooting_hard")
            )
        else:
            self._require(server, "reboot", (ACTIVE,))
        record = self._begin(server, "reboot", ["compute_reboot_instance"], caller, now)
        server.task_state = "rebooting_hard" if hard else "rebooting"
        duration = self._config.durations.hard_reboot if hard else self._config.durations.reboot
        self._at(server, now + duration, self._running(server, record))

    def _running(self, server: Server, record: InstanceAction) -> Callable[[float], None]:
        def done(at: float) -> None:
            server.vm_state, server.task_state, server.power_state = ACTIVE, None, RUNNING
            self._finish(record, at)

        return done

    # ---- resize -------------------------------------------------------------------------

    def resize(self, server: Server, flavor_id: str, caller: Caller, now: float) -> None:
        self._require(server, "resize", (ACTIVE, STOPPED))
        flavor = next((f for f in self._config.flavors if f.id == flavor_id), None)
        if flavor is None:
            raise ApiError(400, f"Flavor {flavor_id} could not be found.")
        if flavor.id == server.flavor.id:
            raise ApiError(400, "When resizing, instances must change flavor!")
        self.check_quota(
            server.project_id, 0, flavor.vcpus - server.flavor.vcpus, flavor.ram - server.flavor.ram
        )
        events = ["compute_prep_resize", "compute_resize_instance", "compute_finish_resize"]
        record = self._begin(server, "resize", events, caller, now)
        server.task_state = "resize_prep"
        returns_to = server.vm_state

        def done(at: float) -> None:
            server.vm_state, server.task_state, server.flavor = RESIZED, None, flavor
            server.resize_returns_to = returns_to
            self._finish(record, at)

        self._at(server, now + self._config.durations.resize, done)

    def confirm_resize(self, server: Server, caller: Caller, now: float) -> None:
        """409 unless VERIFY_RESIZE; a confirm already under way is Nova's 400, because its
        migration is no longer the ``finished`` one the API looks for."""
        self._require(server, "confirmResize", (RESIZED,))
        if server.actions and server.actions[-1].action == "confirmResize":
            raise ApiError(400, "Instance has not been resized.")
        record = self._begin(server, "confirmResize", ["compute_confirm_resize"], caller, now)

        def done(at: float) -> None:
            server.vm_state = server.resize_returns_to
            self._finish(record, at)

        self._at(server, now + self._config.durations.confirm_resize, done)

    # ---- host failure -------------------------------------------------------------------

    def fail(self, server: Server, message: str, now: float) -> None:
        """ERROR with a fault, as when the server's compute host fails under it.

        Launch time and host are kept, so a HARD reboot (which Nova allows from ERROR) brings the
        server back; the fault stays stored but, as in Nova, only shows while ERROR or DELETED.
        Whatever operation was under way is void. ``ValueError`` for a server that never
        launched or is being deleted, which no host failure turns into a recoverable ERROR.
        """
        if server.launched_at is None or server.task_state == "deleting":
            raise ValueError(
                f"server {server.id} is {server.status}/{server.task_state}: only a launched "
                "server that is not being deleted can fail"
            )
        server.epoch += 1
        server.vm_state, server.task_state = ERROR, None
        server.fault = Fault(500, message, "", now)
        server.updated = now

    # ---- snapshot -----------------------------------------------------------------------

    def snapshot(
        self,
        server: Server,
        *,
        name: str,
        metadata: dict[str, str],
        source: SnapshotSource,
        caller: Caller,
        now: float,
    ) -> Image:
        self._require(server, "createImage", (ACTIVE, STOPPED))
        durations = self._config.durations
        record = self._begin(server, "createImage", ["compute_snapshot_instance"], caller, now)
        server.task_state = "image_snapshot"
        image = self._images.snapshot(
            name,
            source,
            metadata,
            now=now,
            queued_for=durations.snapshot_queued,
            upload_for=durations.snapshot_upload,
        )

        def uploading(at: float) -> None:
            server.task_state = "image_uploading"

        def done(at: float) -> None:
            server.task_state = None
            self._finish(record, at)

        self._at(server, now + durations.snapshot_queued, uploading)
        self._at(server, now + durations.snapshot_queued + durations.snapshot_upload, done)
        return image

    # ---- delete -------------------------------------------------------------------------

    def delete(self, server: Server, caller: Caller, now: float) -> None:
        """A repeated delete while one is under way is accepted and ignored, as Nova does: no
        new action, and the first delete's schedule stands."""
        if server.task_state == "deleting":
            return
        record = self._begin(server, "delete", ["compute_terminate_instance"], caller, now)
        server.task_state = "deleting"
        self._at(
            server, now + self._config.durations.delete, lambda at: self._gone(server, record, at)
        )

    def delete_out_of_band(self, server: Server, caller: Caller, now: float) -> None:
        """Someone else deleted the server: no deleting window, just gone."""
        record = self._begin(server, "delete", ["compute_terminate_instance"], caller, now)
        self._gone(server, record, now)
        server.updated = now

    def _gone(self, server: Server, record: InstanceAction, at: float) -> None:
        server.vm_state, server.task_state, server.power_state = DELETED, None, NOSTATE
        server.deleted = True
        server.terminated_at = at
        server.metadata = {}
        server.tags = []
        self._network.release(server.ports, server.own_ports, at)
        server.ports = []
        self.scheduler.release(server)
        self.groups.leave(server.id)
        self._finish(record, at)
