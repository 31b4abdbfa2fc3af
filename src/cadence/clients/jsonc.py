"""A small JSON / JSONC editor that changes only the bytes it must.

Clients keep their settings in JSON files that people edit by hand, often with comments
(`opencode.json[c]`, `.gemini/settings.json`) and trailing commas. Cadence owns a few keys
in them. This module parses the text into spans (no value is re-serialised unless cadence
sets it), so the user's other keys, comments, order, indentation and newline style stay
byte for byte. Insertion and deletion are inverses of each other for the layouts cadence
produces: deleting a member that `set` inserted gives back the original text.

Supported: objects, arrays, strings, numbers, literals, `//` and `/* */` comments,
trailing commas. A path is a tuple of object keys (cadence never edits inside arrays).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_WS = " \t\r\n"
_NUM = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")


class JsoncError(ValueError):
    """The text is not JSON / JSONC; carries a line and column."""


@dataclass
class Node:
    kind: str  # "object" | "array" | "value"
    start: int
    end: int
    members: list[Member] = field(default_factory=list)  # objects only


@dataclass
class Member:
    key: str
    key_start: int
    value: Node
    comma: int | None = None  # offset of the comma that follows the value, if any


class _Parser:
    def __init__(self, text: str) -> None:
        self.t = text
        self.i = 0

    def error(self, msg: str) -> JsoncError:
        line = self.t.count("\n", 0, self.i) + 1
        col = self.i - (self.t.rfind("\n", 0, self.i) + 1) + 1
        return JsoncError(f"{msg} at line {line}, column {col}")

    def skip(self) -> None:
        t, n = self.t, len(self.t)
        while self.i < n:
            c = t[self.i]
            if c in _WS or c == "\ufeff":
                self.i += 1
            elif t.startswith("//", self.i):
                j = t.find("\n", self.i)
                self.i = n if j < 0 else j
            elif t.startswith("/*", self.i):
                j = t.find("*/", self.i + 2)
                if j < 0:
                    raise self.error("unterminated comment")
                self.i = j + 2
            else:
                return

    def value(self) -> Node:
        self.skip()
        if self.i >= len(self.t):
            raise self.error("unexpected end of input")
        c = self.t[self.i]
        if c == "{":
            return self.obj()
        if c == "[":
            return self.arr()
        start = self.i
        if c == '"':
            self.string()
        elif c in "-0123456789":
            m = _NUM.match(self.t, self.i)
            if not m:
                raise self.error("invalid number")
            self.i = m.end()
        else:
            for lit in ("true", "false", "null"):
                if self.t.startswith(lit, self.i):
                    self.i += len(lit)
                    break
            else:
                raise self.error(f"unexpected character {c!r}")
        return Node("value", start, self.i)

    def string(self) -> str:
        start = self.i
        self.i += 1
        t, n = self.t, len(self.t)
        while self.i < n:
            c = t[self.i]
            if c == "\\":
                self.i += 2
            elif c == '"':
                self.i += 1
                try:
                    return str(json.loads(t[start:self.i]))
                except ValueError:
                    raise self.error("invalid string") from None
            elif c == "\n":
                break
            else:
                self.i += 1
        raise self.error("unterminated string")

    def obj(self) -> Node:
        node = Node("object", self.i, -1)
        self.i += 1
        while True:
            self.skip()
            if self.i >= len(self.t):
                raise self.error("expected '}'")
            if self.t[self.i] == "}":
                self.i += 1
                node.end = self.i
                return node
            if self.t[self.i] != '"':
                raise self.error("expected a property name")
            key_start = self.i
            key = self.string()
            self.skip()
            if not self.t.startswith(":", self.i):
                raise self.error("expected ':'")
            self.i += 1
            member = Member(key, key_start, self.value())
            node.members.append(member)
            self.skip()
            if self.t.startswith(",", self.i):
                member.comma = self.i
                self.i += 1
            elif not self.t.startswith("}", self.i):
                raise self.error("expected ',' or '}'")

    def arr(self) -> Node:
        node = Node("array", self.i, -1)
        self.i += 1
        while True:
            self.skip()
            if self.t.startswith("]", self.i):
                self.i += 1
                node.end = self.i
                return node
            self.value()
            self.skip()
            if self.t.startswith(",", self.i):
                self.i += 1
            elif not self.t.startswith("]", self.i):
                raise self.error("expected ',' or ']'")


def parse(text: str) -> Node:
    p = _Parser(text)
    root = p.value()
    p.skip()
    if p.i != len(text):
        raise p.error("unexpected content after the document")
    return root


def strip_comments(text: str) -> str:
    """JSONC → JSON text (comments and trailing commas removed), for json.loads."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


def loads(text: str) -> Any:
    parse(text)  # precise error positions
    return json.loads(strip_comments(text).lstrip("\ufeff"))


class Document:
    """An editable JSONC text. Every edit re-parses (config files are small)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.root = parse(text)
        if self.root.kind != "object":
            raise JsoncError("the top level must be an object")
        self.nl = "\r\n" if "\r\n" in text else "\n"
        self.unit = self._indent_unit()

    # ---------------------------------------------------------------- reading

    def _find(self, path: tuple[str, ...]) -> tuple[Node | None, Member | None, Node | None]:
        """(parent object, member, value) for `path`; member/value None when missing."""
        node = self.root
        parent: Node | None = None
        member: Member | None = None
        for i, key in enumerate(path):
            if node.kind != "object":
                return None, None, None
            found = [m for m in node.members if m.key == key]
            if not found:
                return (node, None, None) if i == len(path) - 1 else (None, None, None)
            member = found[-1]
            parent = node
            node = member.value
        return parent, member, node

    def has(self, path: tuple[str, ...]) -> bool:
        return self._find(path)[2] is not None

    def raw(self, path: tuple[str, ...]) -> str | None:
        node = self._find(path)[2]
        return None if node is None else self.text[node.start:node.end]

    def get(self, path: tuple[str, ...]) -> Any:
        raw = self.raw(path)
        return None if raw is None else json.loads(strip_comments(raw))

    def existing_prefix(self, path: tuple[str, ...]) -> int:
        """How many leading keys of `path` exist as nested objects/values."""
        n = 0
        node = self.root
        for key in path:
            if node.kind != "object":
                break
            found = [m for m in node.members if m.key == key]
            if not found:
                break
            n += 1
            node = found[-1].value
        return n

    # ---------------------------------------------------------------- layout helpers

    def _indent_unit(self) -> str:
        for m in self.root.members:
            ls = self.text.rfind("\n", 0, m.key_start) + 1
            lead = self.text[ls:m.key_start]
            if lead and lead.strip() == "":
                return lead
        return "  "

    def _line_indent(self, pos: int) -> str:
        ls = self.text.rfind("\n", 0, pos) + 1
        j = ls
        while j < len(self.text) and self.text[j] in " \t":
            j += 1
        return self.text[ls:j]

    def _multiline(self, obj: Node) -> bool:
        if not obj.members:
            return "\n" in self.text[obj.start:obj.end]
        first, last = obj.members[0], obj.members[-1]
        return "\n" in self.text[obj.start:first.key_start] and "\n" in self.text[last.value.end:obj.end]

    def _dump(self, value: Any, indent: str, multiline: bool) -> str:
        if not multiline:
            return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        unit = self.unit if self.unit.strip() == "" else "  "
        text = json.dumps(value, ensure_ascii=False, indent=len(unit) if unit != "\t" else "\t")
        if unit != "\t" and unit != " " * len(unit):
            text = text.replace(" " * len(unit), unit)
        return text.replace("\n", self.nl + indent)

    def _line_end(self, pos: int) -> int:
        """Offset of the newline ending the line at `pos`, after a trailing comma / comment."""
        j = self.text.find("\n", pos)
        if j < 0:
            return len(self.text)
        return j - 1 if j > 0 and self.text[j - 1] == "\r" else j

    def _edit(self, start: int, end: int, new: str) -> None:
        self.text = self.text[:start] + new + self.text[end:]
        self.root = parse(self.text)

    # ---------------------------------------------------------------- writing

    def set(self, path: tuple[str, ...], value: Any) -> None:
        """Set `path` to `value`, creating missing parent objects as one inserted member."""
        self.set_raw(path, None, value)

    def set_raw(self, path: tuple[str, ...], raw: str | None, value: Any = None) -> None:
        n = self.existing_prefix(path)
        if n == len(path):
            _, member, node = self._find(path)
            assert member is not None and node is not None
            indent = self._line_indent(member.key_start)
            text = raw if raw is not None else self._dump(value, indent, self._multiline_ctx(node))
            self._edit(node.start, node.end, text)
            return
        parent = self.root if n == 0 else self._find(path[:n])[2]
        if parent is None or parent.kind != "object":
            raise JsoncError(f"cannot set {'.'.join(path)}: {'.'.join(path[:n])} is not an object")
        key = path[n]
        nested: Any = value
        for k in reversed(path[n + 1:]):
            nested = {k: nested}
        self._insert(parent, key, nested, raw if n == len(path) - 1 else None)

    def _multiline_ctx(self, node: Node) -> bool:
        text = self.text[node.start:node.end]
        return "\n" in text or node.kind == "value"

    def _insert(self, obj: Node, key: str, value: Any, raw: str | None) -> None:
        ml = self._multiline(obj)
        k = json.dumps(key, ensure_ascii=False)
        if not obj.members:
            pind = self._line_indent(obj.start)
            ind = pind + self.unit
            val = raw if raw is not None else self._dump(value, ind, True)
            self._edit(obj.start + 1, obj.end - 1, f"{self.nl}{ind}{k}: {val}{self.nl}{pind}")
            return
        last = obj.members[-1]
        if not ml:
            val = raw if raw is not None else self._dump(value, "", False)
            self._edit(last.value.end, last.value.end, f", {k}: {val}")
            return
        ind = self._line_indent(last.key_start)
        val = raw if raw is not None else self._dump(value, ind, True)
        trailing = last.comma is not None
        eol = self._line_end(last.comma + 1 if last.comma is not None else last.value.end)
        insertion = f"{self.nl}{ind}{k}: {val}" + ("," if trailing else "")
        if self.nl == "\r\n" and self.text[eol:eol + 1] == "\r":
            pass
        new = self.text[:eol] + insertion + self.text[eol:]
        if not trailing:
            new = new[:last.value.end] + "," + new[last.value.end:]
        self.text = new
        self.root = parse(self.text)

    def delete(self, path: tuple[str, ...]) -> bool:
        parent, member, _ = self._find(path)
        if parent is None or member is None:
            return False
        members = parent.members
        idx = next(i for i, m in enumerate(members) if m is member)
        prev = members[idx - 1] if idx > 0 else None
        nxt = members[idx + 1] if idx + 1 < len(members) else None
        t = self.text
        ls = t.rfind("\n", 0, member.key_start) + 1
        own_line = t[ls:member.key_start].strip() == ""
        after = member.comma + 1 if member.comma is not None else member.value.end
        le = self._line_end(after)
        tail = t[after:le].strip()
        own_line = own_line and (tail == "" or tail.startswith("//")) and (prev is not None or nxt is not None)
        if own_line and le < len(t):
            end = le + (2 if t.startswith("\r\n", le) else 1)
            new = t[:ls] + t[end:]
            if nxt is None and member.comma is None and prev is not None and prev.comma is not None:
                new = new[:prev.comma] + new[prev.comma + 1:]
            self.text = new
            self.root = parse(self.text)
            return True
        if prev is not None:
            self._edit(prev.value.end, member.value.end, "")
        elif nxt is not None:
            self._edit(member.key_start, nxt.key_start, "")
        else:
            self._edit(parent.start + 1, parent.end - 1, "")
        return True

    def is_empty_object(self, path: tuple[str, ...] = ()) -> bool:
        node = self.root if not path else self._find(path)[2]
        return node is not None and node.kind == "object" and not node.members


def new_document(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"
