"""The CEL of a ValidatingAdmissionPolicy: type-checked when the policy is written, run on requests.

The variables are those the API server declares for policies (admission/plugin/cel): ``object``
and ``oldObject`` are dynamic (any field reachable), ``request`` is the typed AdmissionRequest
(an unknown field of it is a compile error), ``namespaceObject`` the request's Namespace, and
``authorizer`` exists for validations but not for ``messageExpression``. ``params`` and
``variables`` are not declared: ``paramKind`` and ``variables`` are refused as unmodelled, and
without them the API server does not declare those names either.

Checking reuses the CRD rules' checker (``crd_validation.cel_check``) with these variables in
place of ``self``; evaluation is cel-python's, with the Kubernetes functions of
``celfunctions``. The runtime cost budget is not metered (as for CRD rules).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import celpy
from celpy import celtypes
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError

from instance_operator.kubeapi import celfunctions
from instance_operator.kubeapi.crd_validation import cel_ast, cel_check
from instance_operator.kubeapi.crd_validation.cel_types import DYN, DeclType

_STRING = DeclType("string")
_STRINGS = DeclType("list", elem=_STRING)


def _object(**fields: DeclType) -> DeclType:
    return DeclType("object", fields=fields)


_GVK = _object(group=_STRING, version=_STRING, kind=_STRING)
_GVR = _object(group=_STRING, version=_STRING, resource=_STRING)
#: ``request``: AdmissionRequest without ``uid``, ``object`` and ``oldObject``.
REQUEST = _object(
    kind=_GVK,
    resource=_GVR,
    subResource=_STRING,
    requestKind=_GVK,
    requestResource=_GVR,
    requestSubResource=_STRING,
    name=_STRING,
    namespace=_STRING,
    operation=_STRING,
    userInfo=_object(
        username=_STRING,
        uid=_STRING,
        groups=_STRINGS,
        extra=DeclType("map", key=_STRING, elem=_STRINGS),
    ),
    dryRun=DeclType("bool"),
    options=DYN,
)
_NAMESPACE = _object(apiVersion=_STRING, kind=_STRING, metadata=DYN, spec=DYN, status=DYN)


def _variables(authorizer: bool) -> dict[str, DeclType]:
    declared = {"object": DYN, "oldObject": DYN, "request": REQUEST, "namespaceObject": _NAMESPACE}
    if authorizer:
        declared["authorizer"] = DYN
    return declared


class _Checker(cel_check.Checker):
    """The CRD rules' checker with a policy's variables instead of ``self`` and ``oldSelf``."""

    def __init__(self, variables: dict[str, DeclType]) -> None:
        super().__init__(DYN)
        self.variables = variables

    def _ident(self, node: cel_ast.Ident) -> cel_check.Result:
        bound = any(node.name in scope for scope in self.scopes)
        if not bound and node.name in self.variables:
            return cel_check.Result(self.variables[node.name], 1)
        if not bound and node.name in ("self", "oldSelf"):
            raise cel_check.CheckError(
                f"undeclared reference to '{node.name}' (in container '')", node.offset
            )
        return super()._ident(node)


_OPTIONAL_SYNTAX = re.compile(r"\.\?|\[\?")


def check(source: str, result_kind: str, *, authorizer: bool = True) -> str | None:
    """``None`` if ``source`` compiles to ``result_kind`` (bool or string), else the API server's
    detail: ``compilation failed: ERROR: <input>:1:1: ...`` or ``must evaluate to bool but got
    string``. A dynamic result is accepted, as the checker cannot always tell what cel-go infers."""
    try:
        result = _Checker(_variables(authorizer)).check(cel_ast.parse(source))
    except cel_ast.CelSyntaxError as error:
        if _OPTIONAL_SYNTAX.search(source):
            return None  # cel-python has no optional fields: accepted unchecked, as for CRDs
        return "compilation failed: " + _located(source, str(error), error.line, error.column - 1)
    except cel_check.CheckError as error:
        before = source[: error.offset]
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1)
        return "compilation failed: " + _located(source, str(error), line, column)
    if result.type.kind not in (result_kind, "dyn"):
        return f"must evaluate to {result_kind} but got {result.type.name()}"
    return None


def _located(source: str, message: str, line: int, column: int) -> str:
    """cel-go's report: position, message, the source line and a caret under the column."""
    lines = source.splitlines()
    text = lines[line - 1] if lines else ""
    return f"ERROR: <input>:{line}:{column + 1}: {message}\n | {text}\n | {'.' * column}^"


_ENV = celpy.Environment()


@functools.lru_cache(maxsize=512)
def _program(source: str) -> Any:
    return _ENV.program(_ENV.compile(source), functions=celfunctions.LIBRARY)


def evaluate(source: str, activation: dict[str, Any]) -> tuple[Any, str | None]:
    """The expression's value, or ``None`` and cel-go's words for the evaluation error."""
    try:
        return _program(source).evaluate(activation), None
    except CELEvalError as error:
        return None, _cel_go_words(error)
    except CELParseError as error:  # checked on write; a stored policy that no longer parses
        return None, str(error)


def is_true(value: Any) -> bool:
    return isinstance(value, bool | celtypes.BoolType) and bool(value)


# cel-python's words for runtime errors -> cel-go's.
_CEL_GO_WORDING = {
    "modulus or divide by zero": "division by zero",
    "return error for overflow": "integer overflow",
}


def _cel_go_words(error: CELEvalError) -> str:
    text = str(error.args[0]) if error.args else str(error)
    missing = re.match(r"no such member in mapping: '(.*)'", text)
    if missing:
        return f"no such key: {missing.group(1)}"
    if text.startswith(("found no matching overload", "no such overload")):
        return "no such overload"
    return _CEL_GO_WORDING.get(text, text)
