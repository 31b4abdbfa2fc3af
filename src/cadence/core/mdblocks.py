"""A small markdown block parser: headings, list items, table rows and paragraphs, in document order,
with fenced code skipped. Enough structure for traceability (which block defines an ID, which blocks
belong to it); inline markup is left in the text. Pure (no I/O)."""

from __future__ import annotations

import re
from typing import NamedTuple

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r" {0,3}(#{1,6})(?=[ \t]|$)")  # an ATX heading's opening run; _heading_text reads the rest
_ITEM = re.compile(r"^([ \t]*)(?:[-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$")
_CHECKBOX = re.compile(r"^\[[ xX]\][ \t]+")
_SEPARATOR_CELL = re.compile(r"^:?-+:?$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_MARKERS = frozenset("`~#|-*+=0123456789")  # a line starting otherwise is plain text


class Block(NamedTuple):
    """`kind` is heading, item, row or para. `level` is the heading level (1–6) or the list item's
    indentation in columns; `header` marks a table's header row; `cells` holds a row's cells."""
    kind: str
    text: str
    line: int
    level: int = 0
    header: bool = False
    cells: tuple[str, ...] = ()


def _indent(ws: str) -> int:
    return len(ws.expandtabs(4)) if "\t" in ws else len(ws)


def _heading_text(rest: str) -> str:
    """An ATX heading's text from what follows its opening `#`s (a space or tab first, or nothing): the
    optional closing run of `#`s counts only after a space or tab. Linear, where one regex with a lazy
    group and an optional closing sequence backtracks quadratically on long runs of spaces and tabs."""
    text = rest.strip(" \t")
    bare = text.rstrip("#")
    if bare != text and bare[-1:] in (" ", "\t"):
        text = bare.rstrip(" \t")
    return text.strip()


def split_cells(line: str) -> tuple[str, ...]:
    """A table row's cells: split on `|` not escaped with a backslash; the outer pipes are optional."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    if "\\|" not in body:
        return tuple(c.strip() for c in body.split("|"))
    cells: list[str] = []
    cur: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) and body[i + 1] == "|":
            cur.append("|")
            i += 2
            continue
        if ch == "|":
            cells.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    cells.append("".join(cur).strip())
    return tuple(cells)


def _is_separator(cells: tuple[str, ...]) -> bool:
    return bool(cells) and all(_SEPARATOR_CELL.match(c.replace(" ", "")) for c in cells)


def parse(text: str) -> list[Block]:
    """The blocks of a markdown document. Lines inside fenced code blocks produce nothing; an
    unclosed fence runs to the end of the document (as CommonMark says). One pass; a line is tried
    only against the constructs its first character allows."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[Block] = []
    fence: str | None = None
    para: list[str] = []
    para_line = 0
    item: list[str] | None = None  # text of the open list item (continuation lines join it)
    item_meta: tuple[int, int] = (0, 0)
    table_open = False

    def flush() -> None:
        nonlocal para, item
        if para:
            out.append(Block("para", " ".join(para), para_line))
            para = []
        if item is not None:
            out.append(Block("item", " ".join(item).strip(), item_meta[0], item_meta[1]))
            item = None

    for number, line in enumerate(lines, 1):
        if fence is not None:
            if fence[0] in line[:4]:
                m = _FENCE.match(line)
                if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line.strip()[len(
                        m.group(1)):].strip():
                    fence = None
            continue
        stripped = line.strip()
        if not stripped:
            if para or item is not None:
                flush()
            table_open = False
            continue
        first = stripped[0]
        if first not in _MARKERS and not table_open:
            if item is not None:  # plain text: a continuation of the open item or paragraph, or a new paragraph
                item.append(stripped)
            else:
                if not para:
                    para_line = number
                para.append(stripped)
            continue
        if first in "`~":
            m = _FENCE.match(line)
            if m:
                flush()
                table_open = False
                fence = m.group(1)
                continue
        elif first == "#":
            h = _ATX.match(line)
            if h:
                flush()
                table_open = False
                out.append(Block("heading", _heading_text(line[h.end():]), number, len(h.group(1))))
                continue
        if para and not item and first in "=-" and _SETEXT.match(line):
            text_ = " ".join(para)
            para = []
            out.append(Block("heading", text_, para_line, 1 if first == "=" else 2))
            continue
        if first == "|" or (table_open and "|" in stripped):
            flush()
            cells = split_cells(stripped)
            if _is_separator(cells):
                if out and out[-1].kind == "row" and out[-1].line == number - 1:
                    prev = out[-1]
                    out[-1] = Block("row", prev.text, prev.line, header=True, cells=prev.cells)
                table_open = True
                continue
            out.append(Block("row", " | ".join(cells), number, cells=cells))
            table_open = True
            continue
        table_open = False
        it = _ITEM.match(line) if first in "-*+" or first.isdigit() else None
        if it and not (para and not item and it.group(2) is None):
            flush()
            content = (it.group(2) or "").strip()
            if content[:1] == "[":
                content = _CHECKBOX.sub("", content)
            item = [content]
            item_meta = (number, _indent(it.group(1)))
            continue
        if item is not None:
            item.append(stripped)  # a continuation (lazy or indented) of the open list item
            continue
        if not para:
            para_line = number
        para.append(stripped)
    flush()
    return out
