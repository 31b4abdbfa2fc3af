"""The `when:` applicability language: a tiny, safe, three-valued expression evaluator.

Grammar:  expr := or ; or := and ('or' and)* ; and := not ('and' not)* ;
          not := 'not' not | cmp ; cmp := atom (('=='|'!='|'in'|'not in') atom)? ;
          atom := STRING | NUMBER | true | false | null | '[' [atom (',' atom)*] ']' | '(' expr ')' | PATH
A PATH (`project.game.npc-ai`) that the config does not have is *unknown*; unknown propagates
through comparisons and follows Kleene logic through and/or/not. Nothing is ever eval'd.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    Node = tuple[Any, ...]

UNKNOWN = None  # the third truth value

_TOKEN = re.compile(r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<num>-?\d+(?:\.\d+)?(?![\w.-]))|
    (?P<op>==|!=|\(|\)|\[|\]|,)|(?P<word>[A-Za-z_][A-Za-z0-9_.-]*))""", re.X)


class PredicateError(ValueError):
    pass


class Result:
    """`value` is True, False or None (unknown); `missing` lists the config paths that were absent."""

    __slots__ = ("value", "missing")

    def __init__(self, value: bool | None, missing: tuple[str, ...]) -> None:
        self.value = value
        self.missing = missing

    def __repr__(self) -> str:
        return f"Result(value={self.value!r}, missing={self.missing!r})"


def _tokenize(src: str) -> list[tuple[str, Any]]:
    pos = 0
    out: list[tuple[str, Any]] = []
    src = src.rstrip()
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if not m or m.end() == pos:
            raise PredicateError(f"unexpected character at {pos}: {src[pos:pos + 10]!r}")
        pos = m.end()
        if m.group("str") is not None:
            s = m.group("str")
            out.append(("lit", re.sub(r"\\(.)", r"\1", s[1:-1])))
        elif m.group("num") is not None:
            n = m.group("num")
            out.append(("lit", float(n) if "." in n else int(n)))
        elif m.group("op") is not None:
            out.append(("op", m.group("op")))
        else:
            w = m.group("word")
            if w in ("and", "or", "not", "in"):
                out.append(("kw", w))
            elif w in ("true", "false", "null"):
                out.append(("lit", {"true": True, "false": False, "null": None}[w]))
            else:
                out.append(("path", w))
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.t, self.i = tokens, 0

    def peek(self) -> tuple[str, Any] | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, kind: str, value: Any = None) -> tuple[str, Any]:
        tok = self.peek()
        if tok is None or tok[0] != kind or (value is not None and tok[1] != value):
            raise PredicateError(f"expected {value or kind}, got {tok[1] if tok else 'end of expression'!r}")
        self.i += 1
        return tok

    def parse(self) -> Node:
        node = self.or_()
        if self.peek() is not None:
            raise PredicateError(f"unexpected {self.t[self.i][1]!r}")
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.peek() == ("kw", "or"):
            self.i += 1
            node = ("or", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.peek() == ("kw", "and"):
            self.i += 1
            node = ("and", node, self.not_())
        return node

    def not_(self) -> Node:
        if self.peek() == ("kw", "not"):
            self.i += 1
            return ("not", self.not_())
        return self.cmp()

    def cmp(self) -> Node:
        left = self.atom()
        tok = self.peek()
        if tok in (("op", "=="), ("op", "!=")):
            self.i += 1
            return (tok[1], left, self.atom())
        if tok == ("kw", "in"):
            self.i += 1
            return ("in", left, self.atom())
        if tok == ("kw", "not") and self.i + 1 < len(self.t) and self.t[self.i + 1] == ("kw", "in"):
            self.i += 2
            return ("not", ("in", left, self.atom()))
        return ("truth", left)

    def atom(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise PredicateError("unexpected end of expression")
        self.i += 1
        kind, val = tok
        if kind == "lit":
            return ("lit", val)
        if kind == "path":
            return ("path", val)
        if tok == ("op", "("):
            node = self.or_()
            self.take("op", ")")
            return node
        if tok == ("op", "["):
            items = []
            if self.peek() != ("op", "]"):
                items.append(self.atom())
                while self.peek() == ("op", ","):
                    self.i += 1
                    items.append(self.atom())
            self.take("op", "]")
            return ("list", items)
        raise PredicateError(f"unexpected {val!r}")


def compile_predicate(src: str) -> Node:
    """Parse `src`; raises PredicateError with the reason."""
    if not isinstance(src, str) or not src.strip():
        raise PredicateError("empty expression")
    return _Parser(_tokenize(src)).parse()


_MISSING = object()


def _lookup(config: dict[str, Any], path: str) -> Any:
    cur: Any = config
    for part in path.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return _MISSING
    return cur


def evaluate(src: str | Node, config: dict[str, Any]) -> Result:
    tree = compile_predicate(src) if isinstance(src, str) else src
    missing: list[str] = []

    def value(node: Node) -> Any:
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "list":
            vals = [value(n) for n in node[1]]
            return _MISSING if any(v is _MISSING for v in vals) else vals
        if kind == "path":
            v = _lookup(config, node[1])
            if v is _MISSING:
                missing.append(node[1])
            return v
        return truth(node)

    def truth(node: Node) -> bool | None:
        kind = node[0]
        if kind == "or":
            a, b = truth(node[1]), truth(node[2])
            return True if (a is True or b is True) else (None if (a is None or b is None) else False)
        if kind == "and":
            a, b = truth(node[1]), truth(node[2])
            return False if (a is False or b is False) else (None if (a is None or b is None) else True)
        if kind == "not":
            a = truth(node[1])
            return None if a is None else not a
        if kind in ("==", "!=", "in"):
            left, right = value(node[1]), value(node[2])
            if left is _MISSING or right is _MISSING:
                return UNKNOWN
            if kind == "==":
                return bool(left == right)
            if kind == "!=":
                return bool(left != right)
            if isinstance(right, (list, tuple, str)):
                try:
                    return left in right
                except TypeError:
                    return False
            return False
        if kind == "truth":
            if node[1][0] not in ("lit", "list", "path"):
                return truth(node[1])
            v = value(node[1])
            return UNKNOWN if v is _MISSING else bool(v)
        v = value(node)
        return UNKNOWN if v is _MISSING else bool(v)

    result = truth(tree)
    return Result(result, tuple(dict.fromkeys(missing)))
