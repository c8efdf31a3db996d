"""Names to IDs: one listing per cache lifetime however many ask at once, failures not kept, and
errors that list what exists."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any, cast

import pytest

from instance_operator.api.models import FlavorRef
from instance_operator.controller.reconcile import resolver as resolver_module
from instance_operator.controller.reconcile.failures import UserError
from instance_operator.controller.reconcile.resolver import Resolver
from instance_operator.controller.status.reasons import Reason
from instance_operator.openstack import errors as os_errors
from instance_operator.openstack.cloud import Cloud
from instance_operator.openstack.compute.flavors import Flavor

TTL = 60.0


def flavor(flavor_id: str, name: str) -> Flavor:
    return Flavor.model_validate({"id": flavor_id, "name": name, "vcpus": 1, "ram": 512, "disk": 1})


class Nova:
    """``list_flavors`` that counts its calls; ``gate`` holds the first one until set."""

    def __init__(self, listing: list[Flavor]) -> None:
        self.listing = listing
        self.calls = 0
        self.fail = False
        self.gate = threading.Event()
        self.gate.set()
        self.lock = threading.Lock()

    def list_flavors(self, client: Any) -> Iterator[Flavor]:
        with self.lock:
            self.calls += 1
        self.gate.wait(30)
        if self.fail:
            raise os_errors.ConnectionFailed("no route", method="GET", url="flavors/detail")
        return iter(self.listing)


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def nova(monkeypatch: pytest.MonkeyPatch) -> Nova:
    fake = Nova([flavor("f1", "m1.small"), flavor("f2", "m1.large"), flavor("f3", "twin")])
    fake.listing.append(flavor("f4", "twin"))
    monkeypatch.setattr(resolver_module.flavors, "list_flavors", fake.list_flavors)
    return fake


def resolver(clock: Clock) -> Resolver:
    cloud = SimpleNamespace(compute=object(), name="mycloud")
    return Resolver(cast(Cloud, cloud), ttl=TTL, clock=clock)


def test_one_listing_per_lifetime_and_failures_are_not_kept(nova: Nova) -> None:
    clock = Clock()
    names = resolver(clock)
    assert names.flavor(FlavorRef(name="m1.small")).id == "f1"
    assert names.flavor(FlavorRef(id="f2")).name == "m1.large"
    assert nova.calls == 1
    clock.now += TTL + 1
    nova.fail = True
    with pytest.raises(os_errors.ConnectionFailed):
        names.flavor(FlavorRef(name="m1.small"))
    nova.fail = False
    assert names.flavor(FlavorRef(name="m1.small")).id == "f1"  # asked again, not the failure
    assert nova.calls == 3


def test_many_threads_missing_the_cache_list_once(nova: Nova) -> None:
    names = resolver(Clock())
    nova.gate.clear()  # the first listing waits until every thread has asked
    with ThreadPoolExecutor(8) as pool:
        asked = [pool.submit(names.flavor, FlavorRef(name="m1.large")) for _ in range(8)]
        while not all(f.running() for f in asked):
            threading.Event().wait(0.01)
        nova.gate.set()
        assert {f.result(timeout=30).id for f in asked} == {"f2"}
    assert nova.calls == 1


def test_errors_name_what_exists(nova: Nova) -> None:
    names = resolver(Clock())
    with pytest.raises(UserError) as missing:
        names.flavor(FlavorRef(name="m1.huge"))
    assert missing.value.reason is Reason.FLAVOR_NOT_FOUND
    assert "m1.small" in str(missing.value)
    assert "m1.large" in str(missing.value)
    with pytest.raises(UserError) as twins:
        names.flavor(FlavorRef(name="twin"))
    assert twins.value.reason is Reason.AMBIGUOUS_NAME
    assert "f3, f4" in str(twins.value)
