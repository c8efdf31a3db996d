"""``fieldValidation``: what a write does about fields the schema does not know, or repeats.

As the API server's handlers do: ``Strict`` refuses the write (400, ``strict decoding error:
duplicate field "spec.size", unknown field "spec.foo"``; create and update prefix it with the
decode failure, patch does not), ``Warn`` (the default when the parameter is absent) stores the
pruned object, last repeat winning, and answers with one ``Warning: 299 - "unknown field
\\"spec.foo\\""`` header per field, ``Ignore`` does the same silently. Any other value is a 422
on the request's options. kubectl sends ``Strict`` unless told otherwise (``--validate``).
"""

from __future__ import annotations

import dataclasses

from aiohttp import web
from multidict import MultiMapping

from instance_operator.kubeapi import duplicates, errors
from instance_operator.kubeapi.resources import ResourceType

STRICT, WARN, IGNORE = "Strict", "Warn", "Ignore"
_OPTIONS = {"create": "CreateOptions", "update": "UpdateOptions", "patch": "PatchOptions"}


@dataclasses.dataclass
class FieldValidation:
    """One request's directive, and the warnings its write collected."""

    directive: str = IGNORE
    verb: str = "create"
    #: ``duplicate field "..."`` per key the request body repeats.
    duplicates: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)

    @classmethod
    def from_request(
        cls, query: MultiMapping[str], verb: str, body: bytes, content_type: str
    ) -> FieldValidation:
        """The directive of a request (422 if unknown), and the keys its body repeats."""
        if verb not in _OPTIONS:
            return cls(IGNORE, verb)
        directive = query.get("fieldValidation", "")
        if directive not in ("", STRICT, WARN, IGNORE):
            supported = ", ".join(f'"{value}"' for value in ("", IGNORE, STRICT, WARN))
            message = f'Unsupported value: "{directive}": supported values: {supported}'
            cause = {
                "reason": "FieldValueNotSupported",
                "message": message,
                "field": "fieldValidation",
            }
            raise errors.invalid(_OPTIONS.get(verb, "CreateOptions"), "meta.k8s.io", "", [cause])
        directive = directive or WARN
        repeated = [] if directive == IGNORE else duplicates.find(body, content_type)
        return cls(directive, verb, repeated)

    def unknown_fields(self, rtype: ResourceType, paths: list[str]) -> None:
        """Apply the directive to the body's repeated keys and the fields pruning dropped."""
        problems = [*self.duplicates, *(f'unknown field "{path}"' for path in paths)]
        if not problems or self.directive == IGNORE:
            return
        if self.directive == WARN:
            self.warnings += [text for text in problems if text not in self.warnings]
            return
        decoding = "strict decoding error: " + ", ".join(problems)
        if self.verb == "patch":
            raise errors.bad_request(decoding)
        raise errors.bad_request(
            f'{rtype.kind} in version "{rtype.version}" cannot be handled as a {rtype.kind}: '
            f"{decoding}"
        )

    def add_headers(self, response: web.StreamResponse) -> None:
        """One ``Warning`` header per warning, quoted as RFC 7234 warn-text."""
        for text in self.warnings:
            escaped = text.replace("\\", "\\\\").replace('"', '\\"')
            response.headers.add("Warning", f'299 - "{escaped}"')
