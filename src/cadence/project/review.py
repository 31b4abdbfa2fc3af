"""Change scope and the quality gate against the repository: which files changed, `.cadence/gate.json`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cadence.errors import CONFLICT, PRECONDITION, USAGE, CadenceError
from cadence.project.fsio import atomic_write
from cadence.project.paths import GATE
from cadence.project.workflow import dumps, now, read_json, workflow_config

_AGENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def change_scope(root: Path, files: list[str] | None = None, base: str | None = None) -> dict[str, Any]:
    """Scope of the given files, else of the working tree's changes vs HEAD (or merge-base(base)…HEAD)."""
    from cadence.core.scope import change_scope as classify
    if not files:
        from cadence.project.workflow import require_git
        from cadence.vcs import git
        require_git(root)
        top = git.toplevel(root) or root
        files = git.changed_files(top, base)
    else:
        files = [_relative(root, f.replace("\\", "/")) for f in files]
    extra = workflow_config(root).get("scope") or {}
    return classify(files, extra)


def _relative(root: Path, path: str) -> str:
    """A given path in its repository-relative form, so the directories above the repository
    (`/home/me/tests/app/…`) never decide its tier; a path outside the repository is refused (exit 1):
    it is no change of this repository, and nothing outside is ever classified."""
    import os
    import posixpath
    if not path.startswith("/"):
        norm = posixpath.normpath(path) if path else path
        if norm != ".." and not norm.startswith("../"):
            return norm
    else:
        from cadence.vcs import git
        top = git.toplevel(root) if (root / ".git").exists() or git.is_repo(root) else None
        for base in (top, root):
            if base is None:
                continue
            try:
                rel = os.path.relpath(os.path.realpath(path), os.path.realpath(base))
            except ValueError:
                continue
            if rel != ".." and not rel.startswith(".." + os.sep):
                return rel.replace(os.sep, "/")
    raise CadenceError("PATH_OUTSIDE_PROJECT", f"{path[:200]!r} is outside the repository",
                       "Give paths inside the repository, relative to its top level.", USAGE)


def load_gate(root: Path) -> dict[str, Any] | None:
    from cadence.core.gate import validate_gate
    data = read_json(root / GATE, GATE, "GATE_CORRUPT",
                     f"Re-run 'cadence gate summary --report AGENT=FILE …' to rewrite {GATE}.")
    if data is None:
        return None
    if not validate_gate(data):
        raise CadenceError("GATE_CORRUPT", f"{GATE} does not hold a gate result (recommendation, reports, pr_section)",
                           f"Re-run 'cadence gate summary --report AGENT=FILE …' to rewrite {GATE}.", CONFLICT)
    return data  # type: ignore[no-any-return]


def gate_summary(root: Path, reports: list[tuple[str, str]] | dict[str, str], scope: str | None = None,
                 write: bool = True) -> dict[str, Any]:
    """Aggregate reports ((agent, text) pairs, or a mapping agent → text) and write `.cadence/gate.json`."""
    from cadence.core.gate import summarize
    from cadence.project.loop import load_loop
    if isinstance(reports, dict):
        reports = [(str(k), str(v or "")) for k, v in reports.items()]
    if not reports:
        raise CadenceError("NO_REPORTS", "no sub-agent reports given",
                           "Pass at least one: --report testing=testing.md (FILE '-' reads stdin).", USAGE)
    for agent, _ in reports:
        if not _AGENT.match(agent):
            raise CadenceError("INVALID_AGENT", f"invalid agent name: {agent!r}",
                               "Use a plain name such as testing, security, docs-writer.", USAGE)
    if scope is None:
        try:
            scope = change_scope(root)["scope"]
        except CadenceError:
            scope = "unknown"
    loop = load_loop(root)
    result = summarize(reports, scope, loop, now())
    if write:
        atomic_write(root / GATE, dumps(result))
    return result


def gate_show(root: Path) -> dict[str, Any]:
    data = load_gate(root)
    if data is None:
        raise CadenceError("NO_GATE", "no quality gate has run yet",
                           "Run 'cadence gate summary --report AGENT=FILE …'.", PRECONDITION)
    return data
