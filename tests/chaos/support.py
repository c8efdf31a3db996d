"""Shared steps of the chaos scenarios."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from instance_operator.api.names import SERVER_TAG_PREFIX
from instance_operator.sandbox import Box, example


def web(name: str, **spec: Any) -> dict[str, Any]:
    instance = example("instance-minimal.yaml")
    instance["metadata"] = {"name": name}
    instance["spec"]["networks"] = [{"name": "private"}]
    instance["spec"].update(spec)
    return instance


def create_all(box: Box, instances: Iterable[dict[str, Any]]) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(box.cluster.create, instances))


def ready(obj: dict[str, Any]) -> bool:
    return any(
        c["type"] == "Ready" and c["status"] == "True"
        for c in (obj.get("status") or {}).get("conditions") or []
    )


def wait_all_ready(box: Box, names: set[str], timeout: float) -> float:
    """Seconds until every named Instance is Ready."""
    started = time.monotonic()
    box.cluster.wait(
        f"all of {len(names)} Instances to be Ready",
        lambda: {o["metadata"]["name"] for o in box.cluster.instances() if ready(o)} >= names,
        timeout,
    )
    return time.monotonic() - started


def one_server_each(box: Box, names: set[str]) -> dict[str, int]:
    """Check: every Instance has exactly one live server, and no server is left without one."""
    assert box.sim is not None
    uids = {
        o["metadata"]["uid"]: o for o in box.cluster.instances() if o["metadata"]["name"] in names
    }
    per_uid: Counter[str] = Counter()
    orphans = 0
    for server in box.sim.servers.list():
        tags = [t for t in server["tags"] if t.startswith(SERVER_TAG_PREFIX)]
        uid = tags[0][len(SERVER_TAG_PREFIX) :] if tags else None
        if uid in uids:
            per_uid[uid] += 1
        else:
            orphans += 1
    duplicates = sum(count - 1 for count in per_uid.values() if count > 1)
    missing = sum(1 for uid in uids if per_uid[uid] == 0)
    for obj in uids.values():
        assert obj["status"].get("serverID"), f"{obj['metadata']['name']} has no serverID"
    assert (duplicates, missing, orphans) == (0, 0, 0), {
        "duplicates": duplicates,
        "missing": missing,
        "leaked": orphans,
    }
    return {"servers": sum(per_uid.values()), "duplicates": duplicates, "leaked": orphans}
