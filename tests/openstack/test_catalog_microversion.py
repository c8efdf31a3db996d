"""Endpoint selection from the catalog and microversion negotiation."""

from __future__ import annotations

import pytest

from instance_operator.openstack.catalog import Catalog
from instance_operator.openstack.errors import (
    EndpointNotFound,
    MicroversionUnsupported,
    ServiceNotFound,
)
from instance_operator.openstack.microversion import (
    Microversion,
    VersionRange,
    negotiate,
    server_range,
)


def _catalog() -> Catalog:
    def endpoints(url: str, regions: tuple[str, ...]) -> list[dict[str, str]]:
        return [
            {"interface": i, "region_id": r, "region": r, "url": url.replace("R", r)}
            for r in regions
            for i in ("public", "internal")
        ]

    return Catalog.model_validate(
        {
            "services": [
                {
                    "type": "compute",
                    "name": "nova",
                    "endpoints": endpoints("https://nova.R/v2.1/$(project_id)s/", ("one", "two")),
                },
                {
                    "type": "image",
                    "name": "glance",
                    "endpoints": endpoints("https://glance/", ("one",)),
                },
                {
                    "type": "image",
                    "name": "glance-old",
                    "endpoints": endpoints("https://glance-old/", ("one",)),
                },
            ]
        }
    )


def test_url_for_fills_project_and_strips_slash() -> None:
    url = _catalog().url_for("compute", region="two", interface="internal", project_id="p1")
    assert url == "https://nova.two/v2.1/p1"


def test_service_errors_list_what_exists() -> None:
    with pytest.raises(ServiceNotFound) as caught:
        _catalog().url_for("network", region="one")
    assert caught.value.available == ["compute (nova)", "image (glance)", "image (glance-old)"]
    assert "compute (nova)" in str(caught.value)
    with pytest.raises(EndpointNotFound) as endpoint:
        _catalog().url_for("compute", region="three")
    assert type(endpoint.value) is EndpointNotFound
    assert endpoint.value.available == ["one/internal", "one/public", "two/internal", "two/public"]
    with pytest.raises(EndpointNotFound, match="interface admin"):
        _catalog().url_for("compute", region="one", interface="admin")


def test_ambiguity_needs_a_region_or_name() -> None:
    with pytest.raises(EndpointNotFound, match=r"several endpoints.*set region_name"):
        _catalog().url_for("compute")
    with pytest.raises(EndpointNotFound, match=r"several"):
        _catalog().url_for("image", region="one")
    assert _catalog().url_for("image", region="one", name="glance-old") == "https://glance-old"


def test_microversion_parse_and_order() -> None:
    assert Microversion.parse("2.104") > Microversion.parse("2.52") > Microversion.parse("2.9")
    assert str(Microversion.parse(" 2.60 ")) == "2.60"
    with pytest.raises(ValueError, match=r"MAJOR\.MINOR"):
        Microversion.parse("latest")


FLOOR, CEILING = Microversion(2, 52), Microversion(2, 104)


@pytest.mark.parametrize(
    ("offered", "pinned", "chosen"),
    [
        (("2.1", "2.104"), None, "2.104"),
        (("2.1", "2.200"), None, "2.104"),
        (("2.1", "2.79"), None, "2.79"),
        (("2.1", "2.104"), "2.60", "2.60"),
        (("2.1", "2.52"), None, "2.52"),
    ],
)
def test_negotiate(offered: tuple[str, str], pinned: str | None, chosen: str) -> None:
    window = VersionRange(Microversion.parse(offered[0]), Microversion.parse(offered[1]))
    pin = Microversion.parse(pinned) if pinned else None
    assert str(negotiate(window, floor=FLOOR, ceiling=CEILING, pinned=pin)) == chosen


def test_negotiate_refuses_below_the_floor() -> None:
    queens = VersionRange(Microversion(2, 1), Microversion(2, 51))
    with pytest.raises(MicroversionUnsupported, match=r"the cloud offers at most 2\.51"):
        negotiate(queens, floor=FLOOR, ceiling=CEILING)
    modern = VersionRange(Microversion(2, 1), Microversion(2, 104))
    with pytest.raises(MicroversionUnsupported, match="compute_api_version"):
        negotiate(modern, floor=FLOOR, ceiling=CEILING, pinned=Microversion(2, 40))
    future = VersionRange(Microversion(2, 110), Microversion(2, 120))
    with pytest.raises(MicroversionUnsupported, match=r"at least 2\.110"):
        negotiate(future, floor=FLOOR, ceiling=CEILING)


def test_server_range_shapes() -> None:
    assert server_range({"version": {"id": "v2.1", "version": "2.90", "min_version": "2.1"}}) == (
        VersionRange(Microversion(2, 1), Microversion(2, 90))
    )
    with pytest.raises(MicroversionUnsupported, match="announces no microversions"):
        server_range({"versions": [{"id": "v2.1", "version": "", "min_version": ""}]})
    with pytest.raises(MicroversionUnsupported, match=r"found: none"):
        server_range({})
