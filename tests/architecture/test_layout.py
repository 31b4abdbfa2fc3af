"""The layout is the architecture: drawn from every import (lazy ones inside functions included), no module
imports one that imports it back, each room imports only the rooms below it, and no module grows past
~500 lines without a stated reason."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "cadence"

# room -> the rooms it may import (besides itself and the top-level helper modules errors, yamlio, cache)
ALLOWED = {
    "core": set(),
    "vcs": set(),
    "content": {"core"},
    "project": {"core", "content"},
    "pipeline": {"core", "content", "project", "vcs"},
    "workflow": {"core", "content", "project", "vcs", "pipeline"},
    "mcp": {"core", "content", "project", "vcs", "pipeline", "workflow"},
    "clients": {"core", "content", "project", "vcs", "pipeline", "mcp"},
    "dashboard": {"core", "content", "project", "vcs", "pipeline", "workflow"},
    "cli": {"core", "content", "project", "vcs", "pipeline", "workflow", "mcp", "clients", "dashboard"},
}
TOP = {"cadence", "cadence.errors", "cadence.yamlio", "cadence.cache", "cadence.__main__"}
LONG = {  # modules allowed past ~500 lines, and why
    "mcp/tools.py": "the one table of MCP tools (schema + handler each) that the tiers and entry points cut",
    "core/gate.py": "the report-reading rules (formats, folding, contradictions) and the verdict they feed",
}
LIMIT = 520


def modules() -> dict[str, Path]:
    out = {}
    for p in SRC.rglob("*.py"):
        if "__pycache__" in p.parts:
            continue
        name = ".".join(p.relative_to(SRC.parent).with_suffix("").parts).removesuffix(".__init__")
        out[name] = p
    return out


def imports(mods: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for m, p in mods.items():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "cadence":
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in mods else node.module
                           for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.split(".")[0] == "cadence"]
            graph[m] |= {t for t in targets if t in mods and t != m}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    x = stack.pop()
                    on.discard(x)
                    comp.append(x)
                    if x == v:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def room(module: str) -> str:
    return module.split(".")[1] if module.count(".") >= 1 and module not in TOP else ""


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert cycles(imports(modules())) == []


def test_each_room_imports_only_the_rooms_below_it() -> None:
    graph = imports(modules())
    assert set(ALLOWED) == {room(m) for m in graph if room(m)}, "a new room needs its place in ALLOWED"
    wrong = sorted(f"{m} -> {d}" for m, deps in graph.items() for d in deps
                   if room(m) and room(d) and room(d) != room(m) and room(d) not in ALLOWED[room(m)])
    assert wrong == []


def test_core_stays_pure() -> None:
    banned = {"subprocess", "shutil", "socket", "tempfile"}
    found = []
    for m, p in modules().items():
        if room(m) != "core":
            continue
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [f"{m}: {n}" for n in names if n.split(".")[0] in banned]
    assert found == []


def test_no_module_past_500_lines_without_a_reason() -> None:
    long = {p.relative_to(SRC).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
            for p in modules().values()}
    over = sorted(f"{k} ({n} lines)" for k, n in long.items() if n > LIMIT and k not in LONG)
    assert over == []
    assert [k for k in LONG if long.get(k, 0) <= LIMIT] == [], "a module back under the limit leaves LONG"


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
