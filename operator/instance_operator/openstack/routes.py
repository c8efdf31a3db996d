"""Paths relative to a service endpoint, kept together with their template.

The template (``servers/{server_id}/tags/{tag}``) names the metrics series and the debug log
line; the path has every value percent-encoded, so a tag or metadata key with a space, colon or
slash can never escape its segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Route:
    template: str
    path: str

    @classmethod
    def of(cls, template: str, **values: str) -> Route:
        encoded = {key: quote(str(value), safe="") for key, value in values.items()}
        return cls(template=template, path=template.format(**encoded))
