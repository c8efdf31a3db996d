"""10,000 objects of one resource: reads and writes of one object are indexed (never a scan of
the collection), lists and watches stay correct. How fast is the bench's to say, not a test's."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from instance_operator.kubeapi import KubeAPI
from instance_operator.kubeapi.collection import Collection
from tests.kubeapi.conftest import GROUP, PLURAL, VERSION, WIDGET_CRD, widget

COUNT = 10_000
MERGE = {"Content-Type": "application/merge-patch+json"}


async def _flood(url: str, scans: Callable[[], int]) -> dict[str, Any]:
    base = f"{url}/apis/{GROUP}/{VERSION}/namespaces/default/{PLURAL}"
    results: dict[str, Any] = {}
    async with aiohttp.ClientSession() as session:
        crds = f"{url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
        async with session.post(crds, json=WIDGET_CRD) as response:
            assert response.status == 201
        gate = asyncio.Semaphore(32)

        async def create(index: int) -> None:
            async with (
                gate,
                session.post(base, json=widget(f"w{index:05d}", 1 + index % 10)) as response,
            ):
                assert response.status == 201, await response.text()

        await asyncio.gather(*(create(index) for index in range(COUNT)))

        async with session.get(base) as response:
            listed = await response.json()
        results["listed"] = len(listed["items"])
        since = listed["metadata"]["resourceVersion"]

        paged, token, pages = 0, "", 0
        while True:
            async with session.get(base, params={"limit": "500", "continue": token}) as response:
                page = await response.json()
            paged += len(page["items"])
            pages += 1
            token = page["metadata"].get("continue", "")
            if not token:
                break
        results["paged"], results["pages"] = paged, pages

        before = scans()
        for index in range(200):
            name = f"w{index * 37 % COUNT:05d}"
            async with session.patch(
                f"{base}/{name}", json={"metadata": {"labels": {"n": str(index)}}}, headers=MERGE
            ) as response:
                assert response.status == 200
            async with session.get(f"{base}/{name}") as response:
                assert response.status == 200
        results["scans_by_write_and_read"] = scans() - before

        params = {"watch": "true", "resourceVersion": since, "timeoutSeconds": "1"}
        async with session.get(base, params=params) as response:
            lines = [line async for line in response.content if line.strip()]
        results["watched"] = len(lines)
    return results


@pytest.mark.timeout(60)
def test_ten_thousand_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    walks = [0]
    walk = Collection.keys

    def counted(self: Collection, *args: Any, **kwargs: Any) -> Any:
        walks[0] += 1
        return walk(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "keys", counted)
    with KubeAPI().running() as api:
        results = asyncio.run(_flood(api.url, lambda: walks[0]))
        assert len(api.objects(PLURAL)) == COUNT
        assert api.counters.requests(verb="create", resource=PLURAL) == COUNT
    assert results["listed"] == COUNT
    assert (results["paged"], results["pages"]) == (COUNT, COUNT // 500)
    assert results["watched"] == 200  # only the changes after the list, not the 10,000 objects
    assert walks[0] > 0  # the lists above did walk the collection: the count counts
    # 200 PATCHes and GETs of single objects, found by key: not one walk of the collection.
    assert results["scans_by_write_and_read"] == 0
