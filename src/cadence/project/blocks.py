"""Managed blocks in shared text files (`.gitignore`, CLAUDE.md, AGENTS.md, GEMINI.md).

The block sits between two marker lines; everything outside it is the user's and is kept
byte for byte, including the file's newline style.
"""

from __future__ import annotations

START = ">>> cadence managed"
END = "<<< cadence managed"


def markers(comment: str) -> tuple[str, str]:
    """`#` → ('# >>> cadence managed', …); `<!--` → ('<!-- >>> cadence managed -->', …)."""
    if comment == "<!--":
        return f"<!-- {START} -->", f"<!-- {END} -->"
    return f"{comment} {START}", f"{comment} {END}"


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def find(text: str, comment: str) -> tuple[int, int] | None:
    """(start, end) character offsets of the first managed block, end after its newline."""
    start_m, end_m = markers(comment)
    s = text.find(start_m)
    if s < 0:
        return None
    e = text.find(end_m, s)
    if e < 0:
        return None
    e += len(end_m)
    if text.startswith("\r\n", e):
        e += 2
    elif text.startswith("\n", e):
        e += 1
    return s, e


def upsert(text: str, body: str, comment: str) -> str:
    """Insert or replace the managed block holding `body`; later duplicate blocks are removed."""
    nl = _newline(text) if text else "\n"
    start_m, end_m = markers(comment)
    block = nl.join([start_m, *body.rstrip("\n").split("\n"), end_m]) + nl
    span = find(text, comment)
    if span is None:
        if not text:
            return block
        sep = "" if text.endswith(("\n", "\r\n")) else nl
        return text + sep + nl + block
    s, e = span
    rest = text[e:]
    while (dup := find(rest, comment)) is not None:
        rest = rest[:dup[0]] + rest[dup[1]:]
    return text[:s] + block + rest


def remove(text: str, comment: str) -> str:
    """Strip every managed block (and the blank line install added before it)."""
    while (span := find(text, comment)) is not None:
        s, e = span
        before = text[:s]
        nl = _newline(text)
        if before.endswith(nl + nl):
            before = before[: -len(nl)]
        elif before == nl:
            before = ""
        text = before + text[e:]
    return text
