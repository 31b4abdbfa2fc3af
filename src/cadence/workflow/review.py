"""Change scope and the quality gate against the repository: which files changed, `.cadence/gate.json`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cadence.errors import CONFLICT, PRECONDITION, USAGE, CadenceError
from cadence.project import fsio
from cadence.project.fsio import dumps, read_json
from cadence.project.paths import GATE
from cadence.workflow.common import now, workflow_config

_AGENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def change_scope(root: Path, files: list[str] | None = None, base: str | None = None) -> dict[str, Any]:
    """Scope of the given files, else of the working tree's changes vs HEAD (or merge-base(base)…HEAD)."""
    from cadence.core.scope import change_scope as classify
    if not files:
        from cadence.vcs import git
        from cadence.workflow.common import require_git
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


_GATE_FIX = f"Delete {GATE} or re-run 'cadence gate summary --report AGENT=FILE …'."


def load_gate(root: Path) -> dict[str, Any] | None:
    """The last gate result, type-checked field by field: a wrongly typed file is GATE_CORRUPT (exit 3)."""
    from cadence.core.gate import gate_problem
    data = read_json(root, root / GATE, GATE, "GATE_CORRUPT", _GATE_FIX)
    if data is None:
        return None
    problem = gate_problem(data)
    if problem:
        raise CadenceError("GATE_CORRUPT", f"{GATE} is corrupt: {problem}", _GATE_FIX, CONFLICT)
    return data  # type: ignore[no-any-return]


def gate_summary(root: Path, reports: list[tuple[str, str]] | dict[str, str], scope: str | None = None,
                 allow_missing: list[str] | None = None, reason: str | None = None,
                 by: str = "cli") -> dict[str, Any]:
    """Aggregate reports ((agent, text) pairs, or a mapping agent → text) against the reviewers the scope requires
    and write `.cadence/gate.json`. `allow_missing` + `reason`: a human's exception, recorded as a decision."""
    from cadence.core.gate import MAX_REPORT, summarize
    from cadence.core.scope import AGENTS_BY_TIER, TIERS
    from cadence.errors import did_you_mean
    from cadence.project.loopfile import load_loop
    if isinstance(reports, dict):
        reports = [(str(k), str(v or "")) for k, v in reports.items()]
    if not reports:
        raise CadenceError("NO_REPORTS", "no sub-agent reports given",
                           "Pass at least one: --report testing=testing.md (FILE '-' reads stdin).", USAGE)
    allow = [a.strip().lstrip("@").lower() for a in allow_missing or []]
    for agent in [a for a, _ in reports] + allow:
        if not _AGENT.fullmatch(agent):
            raise CadenceError("INVALID_AGENT", f"invalid agent name: {agent!r}",
                               "Use a plain name such as testing, security, docs-writer.", USAGE)
    for agent, text in reports:
        if len(text) > MAX_REPORT:
            raise CadenceError("REPORT_TOO_LARGE", f"the report of @{agent} has {len(text):,} characters "
                               f"(at most {MAX_REPORT:,})", "Pass the reviewer's report, not a log.", USAGE)
    reason = " ".join((reason or "").split())
    if bool(allow) != bool(reason):
        raise CadenceError("USAGE", "--allow-missing AGENT and --reason R go together",
                           'Example: --allow-missing perf --reason "no hot path changed; checked by hand"', USAGE)
    if len(reason) > 4000:
        raise CadenceError("USAGE", "the reason is longer than 4000 characters", "Summarise it; link a doc.", USAGE)
    if scope is not None and scope not in TIERS:
        raise CadenceError("INVALID_SCOPE", f"scope {scope!r} is not one of {', '.join(TIERS)}",
                           did_you_mean(scope, TIERS) or "Leave --scope out to use the scope of the change.", USAGE)
    if scope is not None:
        required = list(AGENTS_BY_TIER[scope])
    else:
        try:
            computed = change_scope(root)
            scope, required = computed["scope"], list(computed["agents"])
        except CadenceError:
            scope, required = "unknown", []
    reported = {a.lower() for a, _ in reports}
    for agent in allow:
        if agent not in required or agent in reported:
            raise CadenceError("NOT_MISSING", f"@{agent} is not missing: " + (
                "it sent a report" if agent in reported else
                f"scope {scope} requires {', '.join('@' + a for a in required) or 'no reviewer'}"),
                "Allow only reviewers the scope requires and that sent no report.", USAGE)
    loop = load_loop(root)
    from cadence.workflow.common import maybe_lock
    with maybe_lock(root, "gate summary"):
        allowed = _record_exception(root, allow, reason, by)
        result = summarize(reports, scope, loop, now(), required, allowed)
        fsio.atomic_write(root, root / GATE, dumps(result))
    return result


def _record_exception(root: Path, agents: list[str], reason: str, by: str) -> list[dict[str, Any]]:
    """The decision that lets `agents` be missing from the gate; an identical earlier decision is reused."""
    if not agents:
        return []
    from cadence.project import decisions
    agents = list(dict.fromkeys(agents))
    text = f"Quality gate without a report from {', '.join('@' + a for a in agents)}: {reason}"
    same = [d for d in decisions.read(root) if d.get("category") == "gate" and d.get("text") == text]
    record = same[-1] if same else decisions.append(root, None, text, "gate", by, now())
    return [{"agent": a, "reason": reason, "decision": str(record.get("id"))} for a in agents]


def gate_show(root: Path) -> dict[str, Any]:
    data = load_gate(root)
    if data is None:
        raise CadenceError("NO_GATE", "no quality gate has run yet",
                           "Run 'cadence gate summary --report AGENT=FILE …'.", PRECONDITION)
    return data
