"""RBAC policy rules: whether one allows a request, and whether one set of rules covers another.

Ported from Kubernetes' ``pkg/apis/rbac/v1/evaluation_helpers.go`` (matching a request) and
``pkg/registry/rbac/validation/policy_comparator.go`` and ``rule.go`` (covering, for escalation
prevention), including their corner cases: ``*`` in every list, ``*/scale`` for one subresource of
every resource, and non-resource URLs ending in ``*`` as prefixes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from instance_operator.kubeapi.rbac.requestinfo import Attributes

ALL = "*"


@dataclasses.dataclass(frozen=True)
class PolicyRule:
    verbs: tuple[str, ...] = ()
    api_groups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()

    @classmethod
    def from_body(cls, rule: Mapping[str, Any]) -> PolicyRule:
        """A rule as stored in a Role or ClusterRole (``apiGroups``, ``resources`` ...)."""

        def strings(key: str) -> tuple[str, ...]:
            return tuple(str(item) for item in rule.get(key) or ())

        return cls(
            verbs=strings("verbs"),
            api_groups=strings("apiGroups"),
            resources=strings("resources"),
            resource_names=strings("resourceNames"),
            non_resource_urls=strings("nonResourceURLs"),
        )

    def compact_string(self) -> str:
        """The rule as escalation errors print it: ``{APIGroups:["g"], Resources:["r"], Verbs:["get"]}``."""
        parts = [
            f"{label}:{go_quote_list(values)}"
            for label, values in (
                ("APIGroups", self.api_groups),
                ("Resources", self.resources),
                ("NonResourceURLs", self.non_resource_urls),
                ("ResourceNames", self.resource_names),
                ("Verbs", self.verbs),
            )
            if values
        ]
        return "{" + ", ".join(parts) + "}"


def rules_of(role: Mapping[str, Any]) -> list[PolicyRule]:
    return [PolicyRule.from_body(rule) for rule in role.get("rules") or ()]


def go_quote_list(values: Iterable[str]) -> str:
    """Go's ``%q`` of a ``[]string``: ``["a" "b"]``."""
    return "[" + " ".join(go_quote(value) for value in values) + "]"


def go_quote(value: str) -> str:
    """Go's ``%q`` of a string, for the printable ASCII that names and paths hold."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


# -- matching a request (evaluation_helpers.go) --------------------------------------------------


def allows(rule: PolicyRule, request: Attributes) -> bool:
    """``RuleAllows``: verb, group, resource (with subresource) and name, or verb and path."""
    if not verb_matches(rule, request.verb):
        return False
    if not request.resource_request:
        return non_resource_url_matches(rule, request.path)
    combined = request.resource
    if request.subresource:
        combined = f"{request.resource}/{request.subresource}"
    return (
        api_group_matches(rule, request.api_group)
        and resource_matches(rule, combined, request.subresource)
        and resource_name_matches(rule, request.name)
    )


def verb_matches(rule: PolicyRule, verb: str) -> bool:
    return any(candidate in (ALL, verb) for candidate in rule.verbs)


def api_group_matches(rule: PolicyRule, group: str) -> bool:
    return any(candidate in (ALL, group) for candidate in rule.api_groups)


def resource_matches(rule: PolicyRule, combined: str, subresource: str) -> bool:
    """``pods``, ``pods/status``, ``*``, and ``*/status`` for the status of every resource."""
    for candidate in rule.resources:
        if candidate in (ALL, combined):
            return True
        if subresource and candidate == f"*/{subresource}":
            return True
    return False


def resource_name_matches(rule: PolicyRule, name: str) -> bool:
    """No names in the rule means every name (also none, as for list and create)."""
    return not rule.resource_names or name in rule.resource_names


def non_resource_url_matches(rule: PolicyRule, path: str) -> bool:
    for candidate in rule.non_resource_urls:
        if candidate in (ALL, path):
            return True
        if candidate.endswith("*") and path.startswith(candidate.rstrip("*")):
            return True
    return False


# -- covering other rules (escalation prevention) ------------------------------------------------


def breakdown(rule: PolicyRule) -> list[PolicyRule]:
    """The rule as rules of one verb, one group, one resource and at most one name each."""
    out = []
    for group in rule.api_groups:
        for resource in rule.resources:
            for verb in rule.verbs:
                names: Sequence[str | None] = rule.resource_names or (None,)
                for name in names:
                    out.append(
                        PolicyRule(
                            verbs=(verb,),
                            api_groups=(group,),
                            resources=(resource,),
                            resource_names=(name,) if name is not None else (),
                        )
                    )
    for url in rule.non_resource_urls:
        for verb in rule.verbs:
            out.append(PolicyRule(verbs=(verb,), non_resource_urls=(url,)))
    return out


def covers(owner: Sequence[PolicyRule], servant: Iterable[PolicyRule]) -> list[PolicyRule]:
    """The parts of ``servant`` that no rule of ``owner`` covers (empty: all covered)."""
    return [
        sub
        for rule in servant
        for sub in breakdown(rule)
        if not any(_rule_covers(own, sub) for own in owner)
    ]


def _rule_covers(owner: PolicyRule, sub: PolicyRule) -> bool:
    if sub.resource_names:
        names = not owner.resource_names or set(sub.resource_names) <= set(owner.resource_names)
    else:
        names = not owner.resource_names
    return (
        (ALL in owner.verbs or set(sub.verbs) <= set(owner.verbs))
        and (ALL in owner.api_groups or set(sub.api_groups) <= set(owner.api_groups))
        and _resources_cover(owner.resources, sub.resources)
        and all(
            any(_url_covers(own, path) for own in owner.non_resource_urls)
            for path in sub.non_resource_urls
        )
        and names
    )


def _resources_cover(owner: Sequence[str], wanted: Sequence[str]) -> bool:
    if ALL in owner:
        return True
    for resource in wanted:
        if resource in owner:
            continue
        if "/" not in resource or "*/" + resource.split("/", 1)[1] not in owner:
            return False
    return True


def _url_covers(owner: str, path: str) -> bool:
    return owner == path or (owner.endswith("*") and path.startswith(owner.rstrip("*")))


def compact(rules: Iterable[PolicyRule]) -> list[PolicyRule]:
    """``CompactRules``: rules of one group, one resource and at most one name, merged by verb."""
    merged: dict[tuple[str, str, tuple[str, ...]], PolicyRule] = {}
    out: list[PolicyRule] = []
    for rule in rules:
        simple = (
            len(rule.resource_names) <= 1
            and not rule.non_resource_urls
            and len(rule.api_groups) == 1
            and len(rule.resources) == 1
        )
        if not simple:
            out.append(rule)
            continue
        key = (rule.api_groups[0], rule.resources[0], rule.resource_names)
        known = merged.get(key)
        merged[key] = (
            rule if known is None else dataclasses.replace(known, verbs=known.verbs + rule.verbs)
        )
    return out + list(merged.values())
