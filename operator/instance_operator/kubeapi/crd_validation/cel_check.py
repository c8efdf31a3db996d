"""Type-check a CEL rule against its schema and estimate its worst-case cost, as cel-go does.

The checker reports what cel-go's checker reports for the constructs CRD rules use: undeclared
names, undefined fields, field selection on scalars, operators applied to the wrong types and
ranges that are not lists or maps. Functions it does not know (Kubernetes' extension libraries)
are typed ``dyn`` and cost one unit plus their arguments, so an unknown function is never refused.

The estimate follows cel-go's ``checker/cost.go``: identifiers and field selections cost 1,
``has()`` 1, most calls 1 plus their arguments; string comparison, ``startsWith``, ``contains``,
``matches``, concatenation and ``bytes()`` scale with the sizes of the strings (0.1 a character,
0.25 a regex character); ``in`` scales with the list; a comprehension (``all``, ``exists``,
``exists_one``, ``filter``, ``map``) costs its range's size times the cost of one step. Sizes come
from the schema (:mod:`cel_types`); a value with no known size is unbounded (2^64 - 1).
"""

from __future__ import annotations

from dataclasses import dataclass

from instance_operator.kubeapi.crd_validation import cel_ast as ast
from instance_operator.kubeapi.crd_validation import cel_library
from instance_operator.kubeapi.crd_validation.cel_types import DYN, DeclType

UNBOUNDED = 2**64 - 1
STRING_TRAVERSAL = 0.1
REGEX_LENGTH = 0.25
LIST_CREATE = 10
MAP_CREATE = 30

_SCALARS = frozenset(
    {"int", "uint", "double", "bool", "null_type", "timestamp", "duration", "type"}
)
_BOOL = DeclType("bool")
_INT = DeclType("int")
_STRING = DeclType("string")
_COMPARISONS = {"_<_", "_<=_", "_>_", "_>=_"}
_ARITHMETIC = {"_+_", "_-_", "_*_", "_/_", "_%_"}
_STRING_TO_BOOL = {"startsWith", "endsWith", "contains", "matches"}
#: Type names are values in CEL (``type(self.x) == string``).
_TYPE_NAMES = frozenset(
    {"int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type"}
)
_CONVERSIONS = {
    "int": "int",
    "uint": "uint",
    "double": "double",
    "string": "string",
    "bytes": "bytes",
    "bool": "bool",
    "timestamp": "timestamp",
    "duration": "duration",
    "dyn": "dyn",
    "type": "type",
}


class CheckError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass
class Result:
    type: DeclType
    cost: int
    #: Largest size (characters, bytes, items or entries) when known; None otherwise.
    size: int | None = None


def add(*costs: int) -> int:
    return min(sum(costs), UNBOUNDED)


def multiply(a: int, b: int) -> int:
    return min(a * b, UNBOUNDED)


factor = cel_library.ceil_factor


class Checker:
    """One rule: ``self`` and ``oldSelf`` have the type of the schema node holding it."""

    def __init__(self, self_type: DeclType) -> None:
        self.self_type = self_type
        self.scopes: list[dict[str, Result]] = []
        self.uses_old_self = False

    def check(self, node: ast.Node) -> Result:
        if isinstance(node, ast.Literal):
            kind = "null_type" if node.kind == "null" else node.kind
            return Result(DeclType(kind), 0, node.size if kind in ("string", "bytes") else None)
        if isinstance(node, ast.Ident):
            return self._ident(node)
        if isinstance(node, ast.Select):
            return self._select(node)
        if isinstance(node, ast.ListLiteral):
            items = [self.check(item) for item in node.items]
            elem = items[0].type if items else DYN
            return Result(
                DeclType("list", elem=elem), add(LIST_CREATE, *(i.cost for i in items)), len(items)
            )
        if isinstance(node, ast.MapLiteral):
            costs = [self.check(part).cost for pair in node.entries for part in pair]
            return Result(
                DeclType("map", key=_STRING, elem=DYN), add(MAP_CREATE, *costs), len(node.entries)
            )
        if isinstance(node, ast.Comprehension):
            return self._comprehension(node)
        assert isinstance(node, ast.Call)
        return self._call(node)

    def _ident(self, node: ast.Ident) -> Result:
        for scope in reversed(self.scopes):
            if node.name in scope:
                found = scope[node.name]
                return Result(found.type, 1, found.size)
        if node.name in _TYPE_NAMES:
            return Result(DeclType("type"), 1)
        if node.name in ("self", "oldSelf"):
            self.uses_old_self |= node.name == "oldSelf"
            return Result(self.self_type, 1, self.self_type.max_elements)
        raise CheckError(f"undeclared reference to '{node.name}' (in container '')", node.offset)

    def _select(self, node: ast.Select) -> Result:
        operand = self.check(node.operand)
        kind = operand.type.kind
        if kind == "object":
            field = operand.type.fields.get(node.name)
            if field is None:
                raise CheckError(f"undefined field '{node.name}'", node.offset)
            found = Result(field, 0, field.max_elements)
        elif kind == "map":
            elem = operand.type.elem or DYN
            found = Result(elem, 0, elem.max_elements if operand.size is not None else None)
        elif kind == "dyn":
            found = Result(DYN, 0)
        else:
            raise CheckError(
                f"type '{operand.type.name()}' does not support field selection", node.offset
            )
        if node.test_only:
            return Result(_BOOL, add(operand.cost, 1))
        # Selecting costs 1 on objects and maps, nothing on dyn values.
        step = 0 if kind == "dyn" else 1
        return Result(found.type, add(operand.cost, step), found.size)

    def _comprehension(self, node: ast.Comprehension) -> Result:
        if node.body is None:
            raise CheckError(f"invalid argument to {node.macro}() macro", node.offset)
        source = self.check(node.range)
        kind = source.type.kind
        if kind == "list":
            value = Result(source.type.elem or DYN, 0, _size_of(source.type.elem, source))
            variable = value if node.second is None else Result(_INT, 0)
        elif kind == "map":
            key = source.type.key or _STRING
            variable = Result(key, 0, key.max_elements if source.size is not None else None)
            value = Result(source.type.elem or DYN, 0, _size_of(source.type.elem, source))
        elif kind == "dyn":
            variable = value = Result(DYN, 0)
        else:
            raise CheckError(
                f"expression of type '{source.type.name()}' cannot be range of a comprehension"
                " (must be list, map, or dynamic)",
                node.range.offset,
            )
        scope = {node.variable: variable}
        if node.second is not None:
            scope[node.second] = value
        self.scopes.append(scope)
        try:
            body = self.check(node.body)
            if node.predicate is not None:
                predicate = self.check(node.predicate)
                self._expect_bool(node.macro, [predicate], node.offset)
                body = Result(body.type, add(body.cost, predicate.cost), body.size)
        finally:
            self.scopes.pop()
        count = self.size(source)
        # Per macro: (accumulator init, cost of one loop condition + step apart from the body,
        # result) as cel-go expands it.
        init, step, result = {
            "all": (0, 3, 1),
            "exists": (0, 4, 1),
            "exists_one": (0, 2, 2),
            "filter": (LIST_CREATE, 13, 1),
            "map": (LIST_CREATE, 12, 1),
        }[node.macro]
        if node.macro in ("all", "exists", "exists_one"):
            self._expect_bool(node.macro, [body], node.offset)
        cost = add(source.cost, init, result, multiply(count, add(step, body.cost)))
        if node.macro == "filter":
            return Result(DeclType("list", elem=variable.type), cost, count)
        if node.macro == "map":
            return Result(DeclType("list", elem=body.type), cost, count)
        return Result(_BOOL, cost)

    def size(self, result: Result) -> int:
        if result.size is not None:
            return result.size
        return 1 if result.type.kind in _SCALARS else UNBOUNDED

    def _call(self, node: ast.Call) -> Result:  # noqa: PLR0912
        target = self.check(node.target) if node.target is not None else None
        args = [self.check(arg) for arg in node.args]
        arg_cost = add(target.cost if target else 0, *(a.cost for a in args))
        fn = node.function
        if fn in ("_&&_", "_||_"):
            self._expect_bool(fn, args, node.offset)
            return Result(_BOOL, arg_cost)
        if fn == "!_":
            self._expect_bool(fn, args, node.offset)
            return Result(_BOOL, add(arg_cost, 1))
        if fn == "_?_:_":
            condition, yes, no = args
            self._expect_bool(fn, [condition], node.offset)
            return Result(yes.type, add(condition.cost, max(yes.cost, no.cost)), _larger(yes, no))
        if fn in ("_==_", "_!=_") or fn in _COMPARISONS:
            left, right = args
            self._expect_comparable(fn, left, right, node.offset)
            if fn in _COMPARISONS and left.type.kind not in ("string", "bytes"):
                return Result(_BOOL, add(arg_cost, 1))
            smallest = min(self.size(left), self.size(right))
            return Result(_BOOL, add(arg_cost, factor(smallest, STRING_TRAVERSAL)))
        if fn == "@in":
            return Result(
                _BOOL, add(arg_cost, self.size(args[1]) if args[1].type.kind == "list" else 1)
            )
        if fn in _ARITHMETIC:
            left, right = args
            if fn == "_+_" and left.type.kind in ("string", "bytes", "list"):
                size = min(self.size(left) + self.size(right), UNBOUNDED)
                step = 1 if left.type.kind == "list" else factor(size, STRING_TRAVERSAL)
                return Result(left.type, add(arg_cost, step), size)
            return Result(left.type, add(arg_cost, 1))
        if fn == "-_":
            return Result(args[0].type, add(arg_cost, 1))
        if fn == "_[_]":
            container, _ = args
            elem = container.type.elem if container.type.kind in ("list", "map") else None
            return Result(elem or DYN, add(arg_cost, 1), _size_of(elem, container))
        receiver = target if target is not None else (args[0] if args else None)
        rest = args if target is not None else args[1:]
        if fn == "size" and receiver is not None:
            return Result(_INT, add(arg_cost, 1))
        if fn in _STRING_TO_BOOL and receiver is not None and rest:
            self._expect_string(fn, receiver, rest, node.offset)
            if fn == "matches":
                strings = factor(self.size(receiver) + 1, STRING_TRAVERSAL)
                step = multiply(strings, factor(self.size(rest[0]), REGEX_LENGTH))
            elif fn == "contains":
                step = multiply(
                    factor(self.size(receiver), STRING_TRAVERSAL),
                    factor(self.size(rest[0]), STRING_TRAVERSAL),
                )
            else:
                step = factor(self.size(rest[0]), STRING_TRAVERSAL)
            return Result(_BOOL, add(arg_cost, step))
        library = self._library(fn, target, args)
        if library is not None:
            kind, cost, result_size = library
            return Result(kind, add(arg_cost, cost), result_size)
        if fn in _CONVERSIONS and target is None and len(args) == 1:
            source = args[0]
            if fn in ("bytes", "string") and source.type.kind in ("string", "bytes"):
                length = self.size(source)
                # A character is up to 4 bytes in UTF-8.
                result = min(length * 4, UNBOUNDED) if fn == "bytes" else length
                return Result(DeclType(fn), add(arg_cost, factor(length, STRING_TRAVERSAL)), result)
            return Result(DeclType(_CONVERSIONS[fn]), add(arg_cost, 1))
        return Result(DYN, add(arg_cost, 1))

    def _library(
        self, fn: str, target: Result | None, args: list[Result]
    ) -> cel_library.Estimate | None:
        operands = ([target] if target is not None else []) + args
        elem = target.type.elem if target is not None else None
        return cel_library.estimate(
            fn,
            target is not None,
            [self.size(o) for o in operands],
            [o.type.kind for o in operands],
            elem,
        )

    def _expect_bool(self, fn: str, args: list[Result], offset: int) -> None:
        if any(a.type.kind not in ("bool", "dyn") for a in args):
            self._no_overload(fn, args, offset)

    def _expect_string(self, fn: str, receiver: Result, rest: list[Result], offset: int) -> None:
        kinds = {receiver.type.kind, *(a.type.kind for a in rest)}
        if not kinds <= {"string", "dyn"}:
            raise CheckError(
                f"found no matching overload for '{fn}' applied to"
                f" '{receiver.type.name()}.({', '.join(a.type.name() for a in rest)})'",
                offset,
            )

    def _expect_comparable(self, fn: str, left: Result, right: Result, offset: int) -> None:
        a, b = left.type.kind, right.type.kind
        if "dyn" in (a, b) or a == b or "null_type" in (a, b):
            return
        numbers = {"int", "uint", "double"}
        if a in numbers and b in numbers:
            return
        self._no_overload(fn, [left, right], offset)

    def _no_overload(self, fn: str, args: list[Result], offset: int) -> None:
        listed = ", ".join(a.type.name() for a in args)
        raise CheckError(f"found no matching overload for '{fn}' applied to '({listed})'", offset)


def _size_of(elem: DeclType | None, container: Result) -> int | None:
    """Elements of a value the schema sizes are sized by the schema too."""
    if elem is None or container.size is None:
        return None
    return elem.max_elements


def _larger(a: Result, b: Result) -> int | None:
    if a.size is None or b.size is None:
        return None
    return max(a.size, b.size)
