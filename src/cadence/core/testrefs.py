"""The tests a test file declares, per framework (pytest, vitest / jest, go test, cargo test), each with the
requirement, story, criterion or task IDs it names: in its name, title, docstring, markers or comments. Pure:
callers pass the file's path and text."""

from __future__ import annotations

import re

from cadence.core.traceids import Ids


class Test:
    """One declared test. `name` is how the runner names it (a function name or the full title), `short` what
    the runner prints for it, `verifies` the (kind, ID) pairs it names, in order."""

    __slots__ = ("name", "short", "file", "line", "framework", "verifies")

    def __init__(self, name: str, short: str, file: str, line: int, framework: str,
                 verifies: list[tuple[str, str]]) -> None:
        self.name, self.short, self.file, self.line = name, short, file, line
        self.framework, self.verifies = framework, verifies


_PY_DECL = re.compile(r"^([ \t]*)(?:async[ \t]+)?(def|class)[ \t]+(\w+)", re.M)
_JS_CALL = re.compile(r"^([ \t]*)(describe|suite|it|test)(?:\.\w+)*(?:\([^()\n]*\))?[ \t]*\([ \t]*"
                      r"(['\"`])(.*?)(?<!\\)\3", re.M)
_GO_FUNC = re.compile(r"^func[ \t]+(\w+)", re.M)
_GO_TEST = re.compile(r"(?:Test|Example|Fuzz)\w*")
_GO_RUN = re.compile(r"\bt\.Run\([ \t]*\"((?:[^\"\\\n]|\\.)*)\"")
# a Rust test: its #[test] (or #[tokio::test], #[test_case(..)]) line, then attribute, comment or blank lines
# (matched possessively: a block of attributes with no fn after it is read once, not once per line), then its fn
_RS_ATTR = re.compile(r"^[ \t]*#\[(?:[\w:]+::)?test(?:_case)?\b[^\n]*\n", re.M)
_RS_SKIP = re.compile(r"(?:[ \t]*(?:#\[[^\n]*|//[^\n]*)?\n)*+")
_RS_FN = re.compile(r"[ \t]*(?:pub(?:\([\w ]+\))?[ \t]+)?(?:async[ \t]+)?fn[ \t]+(\w+)")
_JS_EXT = (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts")


def test_framework(path: str) -> str | None:
    """Which extractor reads this file, from its name alone (None: not a test file)."""
    name = path.rsplit("/", 1)[-1]
    if name.endswith(".py"):
        return "pytest" if name.startswith("test_") or name.endswith("_test.py") else None
    if name.endswith(_JS_EXT):
        stem = name.rsplit(".", 1)[0]
        return "js" if stem.endswith((".test", ".spec")) or "/__tests__/" in f"/{path}" else None
    if name.endswith("_test.go"):
        return "go"
    if name.endswith(".rs"):
        return "cargo"
    return None


def _indent(ws: str) -> int:
    return len(ws.expandtabs(4)) if "\t" in ws else len(ws)


class Source:
    """A file's text with line lookup by offset (counted incrementally: declarations come in order)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self._pos = 0
        self._line = 0

    def line_of(self, pos: int) -> int:
        """0-based line index of offset `pos` (offsets must not decrease between calls)."""
        self._line += self.text.count("\n", self._pos, pos)
        self._pos = pos
        return self._line

    def comments_above(self, i: int, prefixes: tuple[str, ...]) -> str:
        """The contiguous comment / decorator / attribute lines right above line index `i`."""
        lines = self.lines
        j = i
        while j > 0 and lines[j - 1].strip().startswith(prefixes):
            j -= 1
        return "\n".join([line.strip() for line in lines[j:i]]) if j < i else ""

    def docstring(self, i: int) -> str:
        """A Python docstring starting on the line after the declaration at index `i`, if any."""
        lines = self.lines
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j >= len(lines):
            return ""
        s = lines[j].strip().lstrip("rRuUbB")
        for q in ('"""', "'''"):
            if not s.startswith(q):
                continue
            body = s[3:]
            if q in body:
                return body.split(q, 1)[0]
            parts = [body]
            for k in range(j + 1, min(len(lines), j + 200)):
                if q in lines[k]:
                    parts.append(lines[k].split(q, 1)[0])
                    break
                parts.append(lines[k])
            return "\n".join(parts)
        return ""


def _nested(groups: list[tuple[int, str, list[tuple[str, str]]]], name: str, found: list[tuple[str, str]],
            sep: str) -> tuple[str, list[tuple[str, str]]]:
    """A test's name inside its enclosing classes or describe blocks, and its IDs after theirs."""
    if not groups:
        return name, found
    return sep.join([g[1] for g in groups] + [name]), [x for g in groups for x in g[2]] + found


def _pytest(src: Source, file: str, ids: Ids) -> list[Test]:
    out: list[Test] = []
    classes: list[tuple[int, str, list[tuple[str, str]]]] = []  # (indent, name, ids)
    for m in _PY_DECL.finditer(src.text):
        ws, kind, name = m.groups()
        indent = _indent(ws)
        while classes and indent <= classes[-1][0]:
            classes.pop()
        if kind == "def" and not name.startswith("test"):
            continue
        i = src.line_of(m.start())
        notes = src.comments_above(i, ("@", "#")) + "\n" + src.docstring(i)
        found = ids.in_identifier(name) + ids.find(notes)
        if kind == "class":
            classes.append((indent, name, found))
            continue
        name_in_file, found = _nested(classes, name, found, "::")
        out.append(Test(f"{file}::{name_in_file}", name, file, i + 1, "pytest", found))
    return out


def _js(src: Source, file: str, ids: Ids) -> list[Test]:
    out: list[Test] = []
    suites: list[tuple[int, str, list[tuple[str, str]]]] = []
    for m in _JS_CALL.finditer(src.text):
        ws, call, _, title = m.groups()
        indent = _indent(ws)
        while suites and indent <= suites[-1][0]:
            suites.pop()  # a call at the same or a lower indentation is outside the open describe blocks
        i = src.line_of(m.start())
        notes = src.comments_above(i, ("//", "/*", "*"))
        found = ids.find(title) + ids.find(notes) if notes else ids.find(title)
        if call in ("describe", "suite"):
            suites.append((indent, title, found))
            continue
        full, found = _nested(suites, title, found, " > ")
        out.append(Test(f"{file} > {full}", title, file, i + 1, "js", found))
    return out


def _go(src: Source, file: str, ids: Ids) -> list[Test]:
    out: list[Test] = []
    funcs = list(_GO_FUNC.finditer(src.text))
    for n, m in enumerate(funcs):
        name = m.group(1)
        if not _GO_TEST.fullmatch(name):
            continue
        i = src.line_of(m.start())
        notes = src.comments_above(i, ("//",))
        verifies = ids.in_identifier(name) + ids.find(notes) if notes else ids.in_identifier(name)
        body = src.text[m.end():funcs[n + 1].start() if n + 1 < len(funcs) else len(src.text)]
        if "t.Run(" in body:
            for sub in _GO_RUN.findall(body):
                verifies += ids.find(sub)
        out.append(Test(f"{file}::{name}", name, file, i + 1, "go", verifies))
    return out


def _cargo(src: Source, file: str, ids: Ids) -> list[Test]:
    out: list[Test] = []
    text = src.text
    pos = 0
    while (m := _RS_ATTR.search(text, pos)) is not None:
        skip = _RS_SKIP.match(text, m.end())
        pos = skip.end() if skip else m.end()
        fn = _RS_FN.match(text, pos)
        if fn is None:
            continue  # no fn after this block: an attribute line inside it would find none either
        pos = fn.end()
        name = fn.group(1)
        first = src.line_of(m.start())
        fn_line = first + text.count("\n", m.start(), fn.start())
        notes = src.comments_above(first, ("///", "//", "#[")) + "\n" + "\n".join(src.lines[first:fn_line])
        out.append(Test(f"{file}::{name}", name, file, fn_line + 1, "cargo", ids.in_identifier(name) + ids.find(notes)))
    return out


EXTRACTORS = {"pytest": _pytest, "js": _js, "go": _go, "cargo": _cargo}
_CHEAP = {"pytest": "def test", "go": "func ", "cargo": "test"}  # a file without this declares no test


def extract_tests(path: str, text: str, ids: Ids) -> list[Test]:
    """The tests declared in one file, each with the IDs its name, title, docstring, markers or comments name."""
    framework = test_framework(path)
    if framework is None or _CHEAP.get(framework, "") not in text:
        return []
    return EXTRACTORS[framework](Source(text), path, ids)
