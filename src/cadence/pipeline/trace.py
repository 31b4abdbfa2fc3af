"""`cadence trace`: read the PRD, stories, implementation tasks, cadence plans, the test tree and the loop's
recorded evidence, and compute the traceability matrix (core/trace.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cadence.errors import CadenceError

SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".cadence", "node_modules", ".venv", "venv", "__pycache__", "target",
                       "dist", "build", "vendor", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache",
                       ".next", "coverage", ".clients"})
FILE_MAX = 2_000_000  # a test file larger than this is not read
CHUNK = 1 << 16


def settings(root: Path) -> dict[str, Any]:
    """The `traceability:` block of the config (defaults when there is no config)."""
    from cadence.core.trace import DEFAULTS
    from cadence.project.paths import CONFIG
    if not (root / CONFIG).is_file():
        return DEFAULTS
    from cadence.project.config import load_config
    cfg, _ = load_config(root, ())
    return dict(cfg.get("traceability") or DEFAULTS)


def _read(root: Path, rel: str) -> tuple[str, str] | None:
    from cadence.project import fsio
    from cadence.project.paths import contained
    path = contained(root, rel, "traceability document")
    if not path.is_file():
        return None
    try:
        return rel, fsio.read_text(root, path, errors="replace")
    except OSError:
        return None


def test_files(root: Path, tops: list[str]) -> list[tuple[str, str]]:
    """(relative path, text) of every file under `tops` that an extractor reads, never following symlinks
    and skipping dependency, build and cache directories."""
    from cadence.core.testrefs import test_framework
    from cadence.project.paths import contained
    base = root.resolve()
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    stack: list[tuple[str, str]] = []  # (directory, its path relative to the root with a trailing / or "")
    for t in tops:
        top = contained(root, t, "test path")
        stack.append((str(top), "" if top == base else top.relative_to(base).as_posix() + "/"))
    while stack:
        d, prefix = stack.pop()
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for e in entries:
            if e.is_symlink():
                continue
            if e.is_dir():
                if e.name not in SKIP_DIRS:
                    stack.append((e.path, f"{prefix}{e.name}/"))
                continue
            rel = prefix + e.name
            if rel in seen or test_framework(rel) is None or not e.is_file(follow_symlinks=False):
                continue
            seen.add(rel)
            try:
                fd = os.open(e.path, flags)
            except OSError:
                continue
            chunks: list[bytes] = []
            size = 0
            try:
                while size <= FILE_MAX:  # to the end, in modest reads (a FILE_MAX-sized buffer per read is slow)
                    more = os.read(fd, CHUNK)
                    if not more:
                        break
                    chunks.append(more)
                    size += len(more)
            except OSError:
                continue
            finally:
                os.close(fd)
            if size <= FILE_MAX:
                out.append((rel, b"".join(chunks).decode("utf-8", errors="replace")))
    out.sort()
    return out


def _plans(root: Path, warnings: list[str]) -> list[tuple[str, dict[str, Any]]]:
    from cadence.project.paths import PLANS
    out: list[tuple[str, dict[str, Any]]] = []
    if not (root / PLANS).is_dir():
        return out  # (without importing the plan reader)
    from cadence.project import fsio
    from cadence.project.planfiles import plans_dir, read_plan
    for path in sorted(fsio.listdir(root, plans_dir(root), "*.md")):
        try:
            out.append((path.name, read_plan(root, path)))
        except CadenceError as exc:
            warnings.append(f"plan {path.name} skipped: {exc.message}")
    return out


def _loop(root: Path, warnings: list[str]) -> dict[str, Any] | None:
    from cadence.project.paths import LOOP
    try:
        os.lstat(root / LOOP)
    except FileNotFoundError:
        return None  # no loop, as load_loop would say (without importing it)
    except OSError:
        pass  # load_loop reports it
    from cadence.project.loopfile import load_loop
    try:
        return load_loop(root)
    except CadenceError as exc:
        warnings.append(f"loop evidence not used: {exc.message}")
        return None


def compute(root: Path, warnings: list[str] | None = None) -> dict[str, Any]:
    """The matrix for the project at `root`. Gaps are data, never an error."""
    import gc

    from cadence.core import trace as core
    warnings = warnings if warnings is not None else []
    conf = settings(root)
    docs = {role: _read(root, rel) for role, rel in conf["documents"].items()}
    for role, rel in conf["documents"].items():
        if docs[role] is None:
            warnings.append(f"{rel} not found: no {role} read")
    enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of small objects, none cyclic: collections would make this quadratic
    try:
        return core.compute(docs, _plans(root, warnings), test_files(root, list(conf["tests"])),
                            _loop(root, warnings), conf["patterns"], list(conf["story-optional"]))
    finally:
        if enabled:
            # What compute allocated (the matrix) goes straight to the oldest generation: left young, the
            # collections that rendering it triggers would walk all of it again, twice.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def context_text(root: Path, warnings: list[str]) -> str:
    """The computed matrix as markdown, for the Project Context of the steps in core.trace.STEPS."""
    from cadence.core.trace import markdown
    return markdown(compute(root, warnings))


def completion_gaps(root: Path, step: str, warnings: list[str]) -> dict[str, Any] | None:
    """What stops a traceability step from completing: requirements without a story (where one is needed),
    a task or a test. None when the chain is complete; a PRD without requirement IDs is a warning only
    (there is nothing to trace, and the step's own review says so)."""
    from cadence.core.trace import uncovered
    matrix = compute(root, warnings)
    missing = uncovered(matrix)
    if not matrix["totals"]["requirements"]:
        doc = matrix["documents"].get("requirements") or settings(root)["documents"]["requirements"]
        warnings.append(f"no requirement IDs found in {doc}: nothing was traced (docs/traceability.md)")
    if not missing:
        return None
    why = f"{len(missing)} uncovered requirement(s): {', '.join(missing[:20])}" + (
        f" and {len(missing) - 20} more" if len(missing) > 20 else "")
    return {"step": step, "uncovered": missing, "gaps": matrix["totals"]["gaps"], "reason": why}


def pr_section(root: Path, top: Path, base: str, warnings: list[str]) -> str | None:
    """`## Requirements covered`: the requirements that tests changed on this branch (since `base`) trace
    to, with those tests and their latest recorded result. None when the change touches no traced test."""
    from cadence.core.trace import covered_by
    from cadence.vcs import git
    if not git.rev_parse(top, base):
        return None
    changed = git.run_git(top, ["diff", "--name-only", "-z", f"{base}...HEAD"], check=False).split("\0")
    files: set[str] = set()
    real = root.resolve()
    for rel in filter(None, changed):
        try:
            files.add((top.resolve() / rel).relative_to(real).as_posix())
        except ValueError:
            continue  # outside this project (a monorepo sibling)
    if not files:
        return None
    try:
        matrix = compute(root, [])
    except CadenceError as exc:
        warnings.append(f"requirements covered not included: {exc.message}")
        return None
    covered = covered_by(matrix, files)
    if not covered:
        return None
    results = {t["name"]: t["result"] for t in matrix["tests"]}
    lines = ["## Requirements covered", "",
             f"Tests changed here trace to {len(covered)} requirement(s) (`cadence trace`):", ""]
    for r in covered:
        tests = ", ".join(f"`{n.rsplit('::', 1)[-1].rsplit(' > ', 1)[-1]}` ({results.get(n, '?')})"
                          for n in r["tests"][:5]) + (f" +{len(r['tests']) - 5}" if len(r["tests"]) > 5 else "")
        lines.append(f"- **{r['id']}** {r['title']}: {tests}")
    return "\n".join(lines)
