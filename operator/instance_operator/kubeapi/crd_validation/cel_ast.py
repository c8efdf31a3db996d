"""CEL source to a small expression tree, in the shape cel-go's checker works on.

cel-python (``celpy``) parses; its Lark tree follows the grammar's precedence levels, so it is
folded here into calls (operators become ``_==_``, ``_&&_``, ``!_`` ... as in cel-go), field
selections, ``has()`` tests and the comprehension macros (``all``, ``exists``, ``exists_one``,
``filter``, ``map``). Each node keeps its source offset for error positions.

cel-python is more lenient than cel-go's parser in two places, which are refused here as cel-go
words it: an identifier that is a reserved word (``import``, ``if`` ...: "reserved identifier")
and a field selection of ``in``, ``true``, ``false`` or ``null``, which cel-go's lexer reads as
keywords. A reserved word after a dot (``self.import``) parses in both; the type check then finds
no such field, because a property named ``import`` is declared as ``__import__``.
"""

from __future__ import annotations

import ast as python_ast
from dataclasses import dataclass, field

from celpy.celparser import CELParser
from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from instance_operator.kubeapi.crd_validation.cel_types import RESERVED

MACROS = frozenset({"all", "exists", "exists_one", "filter", "map"})


class CelSyntaxError(Exception):
    """A rule that does not parse; ``column`` is 1-based like cel-go's."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass
class Node:
    offset: int


@dataclass
class Literal(Node):
    kind: str  # int, uint, double, string, bytes, bool, null
    size: int = 1


@dataclass
class Ident(Node):
    name: str


@dataclass
class Select(Node):
    operand: Node
    name: str
    test_only: bool = False


@dataclass
class Call(Node):
    function: str
    args: list[Node]
    target: Node | None = None


@dataclass
class ListLiteral(Node):
    items: list[Node] = field(default_factory=list)


@dataclass
class MapLiteral(Node):
    entries: list[tuple[Node, Node]] = field(default_factory=list)


@dataclass
class Comprehension(Node):
    macro: str
    range: Node
    variable: str
    body: Node | None  # None for a malformed macro call
    #: The value variable of a two-variable comprehension (``map.all(k, v, ...)``).
    second: str | None = None
    #: The predicate of ``list.map(x, predicate, transform)``.
    predicate: Node | None = None


_BINARY = {
    "relation_lt": "_<_",
    "relation_le": "_<=_",
    "relation_gt": "_>_",
    "relation_ge": "_>=_",
    "relation_eq": "_==_",
    "relation_ne": "_!=_",
    "relation_in": "@in",
    "addition_add": "_+_",
    "addition_sub": "_-_",
    "multiplication_mul": "_*_",
    "multiplication_div": "_/_",
    "multiplication_mod": "_%_",
}

_parser = CELParser()


def parse(source: str) -> Node:
    grammar = _parser.CEL_PARSER
    assert grammar is not None
    try:
        tree = grammar.parse(source)
    except UnexpectedToken as error:
        at_end = error.token.type == "$END"
        text = "<EOF>" if at_end else str(error.token)
        offset = len(source) if at_end else _token_start(error, text)
        message = f"mismatched input '{text}'"
        if text in _KEYWORD_LITERALS and source[:offset].rstrip().endswith("."):
            message += " expecting IDENTIFIER"  # cel-go's rewording of ``.true`` and the like
        raise _syntax_error(source, message, offset) from None
    except UnexpectedCharacters as error:
        position = error.pos_in_stream or 0
        message = f"token recognition error at: '{source[position]}'"
        raise _syntax_error(source, message, position) from None
    except UnexpectedInput:
        raise _syntax_error(source, "mismatched input '<EOF>'", len(source)) from None
    return _Folder(source).fold(tree)


def _token_start(error: UnexpectedToken, text: str) -> int:
    """Where the unexpected token starts: Lark leaves keyword tokens (``true``, ``null``) without
    a position, but its lexer stands just after them."""
    if error.token.start_pos is not None:
        return int(error.token.start_pos)
    state = getattr(getattr(error.interactive_parser, "lexer_thread", None), "state", None)
    after = getattr(getattr(state, "line_ctr", None), "char_pos", None)
    return max(after - len(text), 0) if isinstance(after, int) else 0


def _syntax_error(source: str, message: str, offset: int) -> CelSyntaxError:
    """cel-go's wording, without the list of tokens it expected instead."""
    return _error(source, "Syntax error: " + message, offset)


def _error(source: str, message: str, offset: int) -> CelSyntaxError:
    before = source[:offset]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return CelSyntaxError(message, line, column)


#: Literals cel-go's lexer reads as keywords, never as a field name after a dot.
_KEYWORD_LITERALS = frozenset({"true", "false", "null"})


def _offset(item: Tree[Token] | Token) -> int:
    if isinstance(item, Token):
        return item.start_pos or 0
    return getattr(item.meta, "start_pos", 0) or 0


class _Folder:
    """Folds one rule's parse tree; knows the source for the positions Lark does not keep."""

    def __init__(self, source: str) -> None:
        self.source = source

    def open_paren(self, name: Tree[Token] | Token) -> int:
        """cel-go places a call at its ``(``."""
        assert isinstance(name, Token)
        return self.source.index("(", name.end_pos or 0)

    def after(self, left: Tree[Token] | Token, symbol: str) -> int:
        """cel-go places an operator at its symbol: the first one after the left operand."""
        end = left.end_pos if isinstance(left, Token) else left.meta.end_pos
        return self.source.index(symbol, end or 0)

    def fold(self, tree: Tree[Token] | Token) -> Node:  # noqa: PLR0912 (one branch per grammar rule)
        assert isinstance(tree, Tree)
        rule = str(tree.data)
        kids = tree.children
        if rule == "expr":
            if len(kids) == 1:
                return self.fold(kids[0])
            return Call(self.after(kids[0], "?"), "_?_:_", [self.fold(k) for k in kids])
        if rule in ("conditionalor", "conditionaland"):
            if len(kids) == 1:
                return self.fold(kids[0])
            function = "_||_" if rule == "conditionalor" else "_&&_"
            offset = self.after(kids[0], function[1:3])
            return Call(offset, function, [self.fold(kids[0]), self.fold(kids[1])])
        if rule in ("relation", "addition", "multiplication"):
            if len(kids) == 1:
                return self.fold(kids[0])
            operator = kids[0]
            assert isinstance(operator, Tree)
            function = _BINARY[str(operator.data)]
            symbol = "in" if function == "@in" else function[1:-1]
            offset = self.after(operator.children[0], symbol)
            left = self.fold(operator.children[0])
            return Call(offset, function, [left, self.fold(kids[1])])
        if rule == "unary":
            if len(kids) == 1:
                return self.fold(kids[0])
            operator = kids[0]
            assert isinstance(operator, Tree)
            function = "!_" if operator.data == "unary_not" else "-_"
            return Call(_offset(tree), function, [self.fold(kids[1])])
        if rule in ("member", "primary", "paren_expr"):
            return self.fold(kids[0])
        if rule == "member_dot":
            self.field_name(kids[1])
            return Select(_offset(kids[1]) - 1, self.fold(kids[0]), str(kids[1]))
        if rule == "member_dot_arg":
            self.field_name(kids[1])
            method = str(kids[1])
            args = self.exprs(kids[2]) if len(kids) > 2 else []
            target = self.fold(kids[0])
            if method in MACROS and args and isinstance(args[0], Ident):
                offset = self.open_paren(kids[1])
                if len(args) == 3 and method == "map" and not isinstance(args[1], Ident):
                    return Comprehension(
                        offset, method, target, args[0].name, args[2], predicate=args[1]
                    )
                if len(args) == 3 and isinstance(args[1], Ident):
                    return Comprehension(
                        offset, method, target, args[0].name, args[2], args[1].name
                    )
                body = args[1] if len(args) == 2 else None
                return Comprehension(offset, method, target, args[0].name, body)
            return Call(self.open_paren(kids[1]), method, args, target)
        if rule == "member_index":
            offset = self.after(kids[0], "[")
            return Call(offset, "_[_]", [self.fold(kids[0]), self.fold(kids[1])])
        if rule == "ident":
            return Ident(_offset(kids[0]), self.identifier(kids[0]))
        if rule == "ident_arg":
            function = self.identifier(kids[0])
            args = self.exprs(kids[1]) if len(kids) > 1 else []
            if function == "has" and len(args) == 1 and isinstance(args[0], Select):
                # cel-go places the presence test at the macro call's ``(``
                offset = self.open_paren(kids[0])
                return Select(offset, args[0].operand, args[0].name, test_only=True)
            return Call(self.open_paren(kids[0]), function, args)
        if rule == "list_lit":
            return ListLiteral(_offset(tree), self.exprs(kids[0]) if kids else [])
        if rule == "map_lit":
            values = self.exprs(kids[0]) if kids else []
            return MapLiteral(_offset(tree), list(zip(values[::2], values[1::2], strict=True)))
        if rule == "literal":
            return _literal(kids[0])
        # dot_ident, dot_ident_arg, member_object: message types, which CRD rules never have.
        return Call(_offset(tree), rule, [])

    def identifier(self, token: Tree[Token] | Token) -> str:
        """A variable's or global function's name: never a reserved word (cel-go's parser)."""
        name = str(token)
        if name in RESERVED:
            raise _error(self.source, f"reserved identifier: {name}", _offset(token))
        return name

    def field_name(self, token: Tree[Token] | Token) -> None:
        """Refuse a field named by a keyword token, as cel-go's grammar does: ``a.in`` has no
        viable alternative; for ``true``, ``false`` and ``null`` cel-go rewords that."""
        name = str(token)
        if name == "in":
            start = _offset(token)
            dot = self.source.rindex(".", 0, start)
            text = self.source[dot : start + len(name)]
            raise _syntax_error(self.source, f"no viable alternative at input '{text}'", start)
        if name in _KEYWORD_LITERALS:
            message = f"mismatched input '{name}' expecting IDENTIFIER"
            raise _syntax_error(self.source, message, _offset(token))

    def exprs(self, tree: Tree[Token] | Token) -> list[Node]:
        assert isinstance(tree, Tree)
        return [self.fold(k) for k in tree.children]


def _literal(token: Tree[Token] | Token) -> Literal:
    assert isinstance(token, Token)
    offset = _offset(token)
    kind = {
        "INT_LIT": "int",
        "UINT_LIT": "uint",
        "FLOAT_LIT": "double",
        "STRING_LIT": "string",
        "MLSTRING_LIT": "string",
        "BYTES_LIT": "bytes",
        "BOOL_LIT": "bool",
        "NULL_LIT": "null",
    }[token.type]
    if kind in ("string", "bytes"):
        return Literal(offset, kind, len(_unquote(str(token))))
    return Literal(offset, kind)


def _unquote(text: str) -> str:
    """The literal's value, for its length: cel-go sizes a constant string by its characters."""
    raw = text[0] in "rR" or text[:2].lower() in ("br", "rb")
    body = text.lstrip("bBrR")
    quote = body[:3] if body[:3] in ('"""', "'''") else body[0]
    body = body[len(quote) : -len(quote)]
    if raw:
        return body
    try:
        return str(python_ast.literal_eval(quote + body + quote))
    except (ValueError, SyntaxError):
        return body
