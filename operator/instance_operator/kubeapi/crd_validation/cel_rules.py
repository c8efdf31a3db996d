"""``x-kubernetes-validations``: each rule compiles, and its estimated cost fits the budgets.

A rule's cost is cel-go's worst-case estimate (:mod:`cel_check`) times the number of times the
rule can run in one object: the product of ``maxItems``/``maxProperties`` of the lists and maps
above it, or, if one of them is unbounded, how many of the rule's nodes fit in a 3 MiB request.
One rule may cost at most ``StaticEstimatedCostLimit``, all rules of a schema together at most
``StaticEstimatedCRDCostLimit``; the errors name the factor by which a budget is exceeded and
hint at the missing bounds. (The runtime limits of apiserver's ``cel/config.go``,
``PerCallLimit`` 1,000,000 for one evaluation and ``RuntimeCELCostBudget`` 10,000,000 for all of
an object's, apply when objects are validated, not here.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from instance_operator.kubeapi.crd_validation import cel_ast, cel_check
from instance_operator.kubeapi.crd_validation.cel_types import DeclType, decl_type, max_cardinality
from instance_operator.kubeapi.crd_validation.fields import (
    Cause,
    Path,
    forbidden,
    go_quote,
    invalid,
)

#: ``apiextensions validation.StaticEstimatedCostLimit``: one rule.
STATIC_ESTIMATED_COST_LIMIT = 10_000_000
#: ``StaticEstimatedCRDCostLimit``: every rule of one schema.
STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000


@dataclass
class TotalCost:
    total: int = 0
    #: The (at most 4) costliest rules contributing at least 1% of the CRD budget.
    most_expensive: list[tuple[int, Path]] = field(default_factory=list)

    def observe(self, path: Path, cost: int) -> None:
        self.total = min(self.total + cost, cel_check.UNBOUNDED)
        if cost < STATIC_ESTIMATED_CRD_COST_LIMIT // 100:
            return
        self.most_expensive.append((cost, path))
        self.most_expensive.sort(key=lambda entry: -entry[0])
        del self.most_expensive[4:]


@dataclass
class CelContext:
    """Where a schema node sits for CEL: how often it can occur, and the shared cost total."""

    schema: dict[str, Any]
    resource_root: bool
    #: None: below an unbounded list or map.
    cardinality: int | None
    total: TotalCost

    def child(self, schema: dict[str, Any]) -> CelContext:
        return CelContext(
            schema,
            bool(schema.get("x-kubernetes-embedded-resource")),
            _child_cardinality(self.schema, self.cardinality),
            self.total,
        )


def root_context(schema: dict[str, Any]) -> CelContext:
    return CelContext(schema, True, 1, TotalCost())


def _child_cardinality(parent: dict[str, Any], cardinality: int | None) -> int | None:
    if cardinality is None:
        return None
    kind = parent.get("type")
    if kind == "array":
        bound = parent.get("maxItems")
    elif kind == "object" and "additionalProperties" in parent:
        bound = parent.get("maxProperties")
    else:
        return cardinality
    return None if bound is None else min(cardinality * max(bound, 0), cel_check.UNBOUNDED)


def compile_rules(
    schema: dict[str, Any], path: Path, context: CelContext, uncorrelatable: Path | None
) -> list[Cause]:
    """Compile every rule of one schema node; observe their costs in the context's total."""
    declared = decl_type(schema, context.resource_root)
    if declared is None:
        return []
    causes: list[Cause] = []
    for index, rule in enumerate(schema["x-kubernetes-validations"]):
        where = path.child("x-kubernetes-validations").index(index)
        source = rule.get("rule", "")
        if not source.strip():
            continue
        compiled = _compile(source, declared, "bool", "compilation failed: ")
        cost = 0
        if compiled.error is None:
            times = context.cardinality
            if times is None:
                times = max_cardinality(declared.min_size)
            cost = cel_check.multiply(compiled.cost, times)
        if cost > STATIC_ESTIMATED_COST_LIMIT:
            message = cost_message("estimated rule cost", cost, STATIC_ESTIMATED_COST_LIMIT)
            causes.append(forbidden(where.child("rule"), message))
        context.total.observe(where.child("rule"), cost)
        if compiled.error is not None:
            causes.append(
                invalid(where.child("rule"), None, compiled.error, rendered=go_rule(rule))
            )
        elif compiled.uses_old_self and uncorrelatable is not None:
            causes.append(
                invalid(
                    where.child("rule"),
                    source,
                    f"oldSelf cannot be used on the uncorrelatable portion of the schema within {uncorrelatable}",
                )
            )
        elif not compiled.uses_old_self and rule.get("optionalOldSelf") is not None:
            causes.append(
                invalid(
                    where.child("optionalOldSelf"),
                    rule["optionalOldSelf"],
                    "may not be set if oldSelf is not used in rule",
                )
            )
        causes += _message_expression(rule, declared, where, context.total)
    return causes


def _message_expression(
    rule: dict[str, Any], declared: DeclType, where: Path, total: TotalCost
) -> list[Cause]:
    """A ``messageExpression`` compiles to a string; its cost counts once, not per element."""
    source = rule.get("messageExpression", "")
    if not source.strip():
        return []
    compiled = _compile(source, declared, "string", "messageExpression compilation failed: ")
    path = where.child("messageExpression")
    if compiled.error is not None:
        return [invalid(path, None, compiled.error, rendered=go_rule(rule))]
    total.observe(path, compiled.cost)
    if compiled.cost > STATIC_ESTIMATED_COST_LIMIT:
        name = "estimated messageExpression cost"
        return [forbidden(path, cost_message(name, compiled.cost, STATIC_ESTIMATED_COST_LIMIT))]
    return []


def total_cost_causes(path: Path, total: TotalCost) -> list[Cause]:
    if total.total <= STATIC_ESTIMATED_CRD_COST_LIMIT:
        return []
    causes = [
        forbidden(
            rule_path,
            "contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema",
        )
        for _, rule_path in total.most_expensive
    ]
    name = "x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema"
    causes.append(forbidden(path, cost_message(name, total.total, STATIC_ESTIMATED_CRD_COST_LIMIT)))
    return causes


def cost_message(name: str, cost: int, limit: int) -> str:
    ratio = cost / limit
    if ratio > 100:
        times = "more than 100x"
    elif ratio < 1.5:
        times = f"{ratio:f}x"
    else:
        times = f"{ratio:.1f}x"
    return (
        f"{name} exceeds budget by factor of {times} (try simplifying the rule, or adding maxItems,"
        " maxProperties, and maxLength where arrays, maps, and strings are declared)"
    )


@dataclass
class Compiled:
    cost: int = 0
    uses_old_self: bool = False
    error: str | None = None


def _compile(source: str, declared: DeclType, result_kind: str, prefix: str) -> Compiled:
    """``prefix`` names what failed: ``compilation failed: `` or ``messageExpression ...``."""
    try:
        tree = cel_ast.parse(source)
        checker = cel_check.Checker(declared)
        result = checker.check(tree)
    except cel_ast.CelSyntaxError as error:
        if _OPTIONAL_SYNTAX.search(source):
            # cel-python has no optional fields (``.?x``, ``[?k]``): accepted unchecked.
            return Compiled()
        return Compiled(error=prefix + _located(source, str(error), error.line, error.column - 1))
    except cel_check.CheckError as error:
        line, column = _line_and_column(source, error.offset)
        return Compiled(error=prefix + _located(source, str(error), line, column))
    if result.type.kind not in (result_kind, "dyn"):
        return Compiled(error=f"{_SUBJECT[result_kind]} must evaluate to a {result_kind}")
    return Compiled(cost=result.cost, uses_old_self=checker.uses_old_self)


_OPTIONAL_SYNTAX = re.compile(r"\.\?|\[\?")
_SUBJECT = {"bool": "cel expression", "string": "messageExpression"}


def _line_and_column(source: str, offset: int) -> tuple[int, int]:
    before = source[:offset]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1)


def _located(source: str, message: str, line: int, column: int) -> str:
    """cel-go's error display: position, message, the source line and a caret under the column."""
    text = source.splitlines()[line - 1] if source.splitlines() else ""
    return f"ERROR: <input>:{line}:{column + 1}: {message}\n | {text}\n | {'.' * column}^"


_NEWLINES = re.compile(r"[\n\r]+")


def has_newlines(text: str) -> bool:
    return bool(_NEWLINES.search(text))


def go_rule(rule: dict[str, Any]) -> str:
    """The rule as Go's ``%#v`` prints an ``apiextensions.ValidationRule`` (pointers set to a
    value print an address, which differs on every real server: shown as ``0xc000000000``)."""
    reason = rule.get("reason")
    optional = rule.get("optionalOldSelf")
    return (
        "apiextensions.ValidationRule{"
        f"Rule:{go_quote(rule.get('rule', ''))}, Message:{go_quote(rule.get('message', ''))},"
        f" MessageExpression:{go_quote(rule.get('messageExpression', ''))},"
        f" Reason:(*apiextensions.FieldValueErrorReason)({'nil' if reason is None else '0xc000000000'}),"
        f" FieldPath:{go_quote(rule.get('fieldPath', ''))},"
        f" OptionalOldSelf:(*bool)({'nil' if optional is None else '0xc000000000'})"
        "}"
    )
