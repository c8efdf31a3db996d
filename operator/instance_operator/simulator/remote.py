"""``RemoteSimulator``: the controls of a simulator in another process, over ``/_sim``.

Same names and results as the in-process ``Simulator`` (``clock.advance(s)``, ``faults.set(...)``,
``counters.snapshot()``, ``servers.get(id)`` ...), so a test or benchmark can switch between
the two without changing its assertions.
"""

from __future__ import annotations

import builtins
from typing import Any

import requests

from instance_operator.simulator.clouds import clouds_yaml
from instance_operator.simulator.config import SimulatorConfig
from instance_operator.simulator.counters import CounterSnapshot
from instance_operator.simulator.faults import FaultSettings
from instance_operator.simulator.pauses import Pause

_TIMEOUT = 30.0


class _Control:
    def __init__(self, session: requests.Session, base_url: str) -> None:
        self._session = session
        self._base = f"{base_url}/_sim"

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self._session.request(method, self._base + path, json=body, timeout=_TIMEOUT)
        if response.status_code == 404:
            raise KeyError(path)
        if response.status_code >= 400:
            raise ValueError(response.text)
        return response.json() if response.content else None


class RemoteClock(_Control):
    def now(self) -> float:
        now: float = self._call("GET", "/clock")["now"]
        return now

    @property
    def frozen(self) -> bool:
        return bool(self._call("GET", "/clock")["frozen"])

    def freeze(self) -> float:
        now: float = self._call("POST", "/clock/freeze")["now"]
        return now

    def advance(self, seconds: float) -> float:
        now: float = self._call("POST", "/clock/advance", {"seconds": seconds})["now"]
        return now

    def resume(self) -> float:
        now: float = self._call("POST", "/clock/resume")["now"]
        return now


class RemoteFaults(_Control):
    def get(self) -> FaultSettings:
        return FaultSettings.model_validate(self._call("GET", "/faults"))

    def set(self, **changes: Any) -> FaultSettings:
        return FaultSettings.model_validate(self._call("PATCH", "/faults", changes))

    def clear(self) -> None:
        self._call("DELETE", "/faults")


class RemotePauses(_Control):
    def arm(self, point: str, method: str, path: str, count: int = 1) -> Pause:
        body = {"point": point, "method": method, "path": path, "count": count}
        return Pause(**self._call("POST", "/pauses", body))

    def get(self, pause_id: int) -> Pause:
        return Pause(**self._call("GET", f"/pauses/{pause_id}"))

    def release(self, pause_id: int) -> None:
        self._call("POST", f"/pauses/{pause_id}/release")


class RemoteCounters(_Control):
    def snapshot(self) -> CounterSnapshot:
        return CounterSnapshot.model_validate(self._call("GET", "/counters"))

    def count(
        self,
        service: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> int:
        return self.snapshot().count(service, method, path, status)

    def max_requests_per_second(self, service: str) -> int:
        return self.snapshot().max_requests_per_second.get(service, 0)

    def reset(self) -> None:
        self._call("DELETE", "/counters")


class RemoteServers(_Control):
    def get(self, server_id: str) -> dict[str, Any] | None:
        try:
            view: dict[str, Any] = self._call("GET", f"/servers/{server_id}")["server"]
        except KeyError:
            return None
        return view

    def list(self, include_deleted: bool = False) -> builtins.list[dict[str, Any]]:
        servers: builtins.list[dict[str, Any]] = self._call(
            "GET", f"/servers?deleted={int(include_deleted)}"
        )["servers"]
        return servers

    def count(self) -> int:
        return len(self.list())

    def delete(self, server_id: str) -> None:
        self._call("DELETE", f"/servers/{server_id}")

    def fail(self, server_id: str, *, message: str) -> None:
        self._call("POST", f"/servers/{server_id}/error", {"message": message})

    def glitch_paging(self, kind: str) -> None:
        self._call("POST", "/paging-glitches", {"kind": kind})

    def cell_down(self, server_id: str, down: bool = True) -> None:
        self._call("PUT", f"/servers/{server_id}/cell", {"down": down})

    def create(self, count: int = 1, **options: Any) -> builtins.list[str]:
        ids: builtins.list[str] = self._call("POST", "/servers", {"count": count, **options})["ids"]
        return ids


class RemoteSimulator:
    def __init__(self, auth_url: str, config: SimulatorConfig) -> None:
        self.auth_url = auth_url
        self.base_url = auth_url.removesuffix("/identity/v3")
        self.config = config
        self._session = requests.Session()
        self.clock = RemoteClock(self._session, self.base_url)
        self.faults = RemoteFaults(self._session, self.base_url)
        self.pauses = RemotePauses(self._session, self.base_url)
        self.counters = RemoteCounters(self._session, self.base_url)
        self.servers = RemoteServers(self._session, self.base_url)
        self._control = _Control(self._session, self.base_url)

    def clouds_yaml(
        self,
        cloud_name: str = "simulator",
        *,
        user: str | None = None,
        application_credential: str | None = None,
    ) -> str:
        return clouds_yaml(self.auth_url, self.config, cloud_name, user, application_credential)

    def reset(self) -> None:
        self._control._call("POST", "/reset")

    def expire_tokens(self) -> None:
        self._control._call("DELETE", "/tokens")

    def close(self) -> None:
        self._session.close()
