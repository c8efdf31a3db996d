"""Down cells (status UNKNOWN, Nova's partial records) and paging glitches, as a client sees them."""

from __future__ import annotations

import pytest

from instance_operator.simulator import Simulator
from instance_operator.simulator.remote import RemoteSimulator
from tests.simulator.client import OpenStack
from tests.simulator.samples import load, needs_samples


def sample_keys(version: str, name: str, key: str) -> set[str]:
    body = load(f"nova/servers/{version}/{name}")
    entry = body[key][0] if isinstance(body[key], list) else body[key]
    return set(entry)


@needs_samples
def test_a_down_cell_shows_nova_s_partial_records(simulator: Simulator, demo: OpenStack) -> None:
    server_id = demo.create_server()["id"]
    simulator.servers.cell_down(server_id)
    demo.microversion = "2.69"
    detail = demo.get("compute", "/servers/detail").json()["servers"]
    assert [s["status"] for s in detail] == ["UNKNOWN"]
    assert set(detail[0]) == sample_keys("v2.69", "servers-details-resp.json", "servers")
    index = demo.get("compute", "/servers").json()["servers"]
    assert set(index[0]) == sample_keys("v2.69", "servers-list-resp.json", "servers")
    demo.microversion = "2.71"
    shown = demo.server(server_id)
    assert shown["status"] == "UNKNOWN"
    assert set(shown) == sample_keys("v2.71", "server-get-down-cell-resp.json", "server")
    # Filters cannot apply to a down cell's servers: Nova adds them as they are.
    filtered = demo.get("compute", "/servers/detail", params={"name": "^nomatch$"}).json()
    assert [s["id"] for s in filtered["servers"]] == [server_id]
    demo.microversion = "2.68"
    assert demo.get("compute", "/servers/detail").json()["servers"] == []
    simulator.servers.cell_down(server_id, down=False)
    assert demo.server(server_id)["status"] in ("BUILD", "ACTIVE")


def test_paging_glitches_each_apply_once_to_a_marker_page(
    simulator: Simulator, demo: OpenStack
) -> None:
    ids = [demo.create_server(name=f"s-{i}")["id"] for i in range(6)]
    newest_first = list(reversed(ids))

    def pages() -> list[tuple[list[str], str | None]]:
        out = []
        params: dict[str, str] = {"limit": "2"}
        for _ in range(6):
            body = demo.get("compute", "/servers", params=params).json()
            links = body.get("servers_links") or []
            marker = links[0]["href"].split("marker=")[1].split("&")[0] if links else None
            out.append(([s["id"] for s in body["servers"]], marker))
            if not body["servers"] or marker is None:
                break
            params = {"limit": "2", "marker": marker}
        return out

    clean = pages()
    assert [p[0] for p in clean if p[0]] == [newest_first[i : i + 2] for i in (0, 2, 4)]
    simulator.servers.glitch_paging("duplicate")
    assert pages()[1][0] == [newest_first[1], newest_first[2]]
    simulator.servers.glitch_paging("skip")
    assert pages()[1][0] == [newest_first[3], newest_first[4]]  # newest_first[2] on no page
    simulator.servers.glitch_paging("loop")
    looped = pages()
    assert looped[1][1] == newest_first[1], "page 2's next link points back to its own marker"
    assert pages() == clean, "each glitch applies once"
    with pytest.raises(ValueError, match="unknown paging glitch"):
        simulator.servers.glitch_paging("shuffle")


def test_the_controls_work_over_http_too(simulator_process: RemoteSimulator) -> None:
    with OpenStack.login(simulator_process.auth_url, "demo", "demo") as demo:
        server_id = demo.create_server()["id"]
        simulator_process.servers.cell_down(server_id)
        demo.microversion = "2.69"
        assert demo.server(server_id)["status"] == "UNKNOWN"
        simulator_process.servers.cell_down(server_id, down=False)
        assert demo.server(server_id)["status"] != "UNKNOWN"
        simulator_process.servers.glitch_paging("loop")
