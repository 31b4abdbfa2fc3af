"""Session notes in `.cadence/sessions/<id>.md`; IDs sort by time and are validated on every read."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cadence.core import plan as fmcore
from cadence.errors import PRECONDITION, USAGE, CadenceError
from cadence.project import fsio
from cadence.project.lock import project_lock
from cadence.project.paths import SESSIONS
from cadence.workflow.common import workflow_config

ID_RE = re.compile(r"\d{8}-\d{6}-[0-9a-f]{4}")


def validate_id(session_id: str) -> str:
    sid = session_id[:-3] if isinstance(session_id, str) and session_id.endswith(".md") else session_id
    if not isinstance(sid, str) or not ID_RE.fullmatch(sid):
        raise CadenceError("INVALID_SESSION_ID", f"invalid session id: {session_id!r}",
                           "Use an id from 'cadence session list' (like 20260101-120000-ab12).", USAGE)
    return sid


def save_session(root: Path, summary: str, decisions: list[str] | None = None, files: list[str] | None = None,
                 plan: str | None = None) -> dict[str, Any]:
    from cadence.vcs import git
    if not summary or not summary.strip():
        raise CadenceError("SUMMARY_REQUIRED", "a session needs a summary", "Pass --summary 'what happened'.", USAGE)
    if plan:
        from cadence.project.planfiles import existing_plan
        plan = existing_plan(root, plan).name
    branch = None
    if git.is_repo(root):
        branch = git.current_branch(root)
    stamp = datetime.now(UTC)
    sid = f"{stamp.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"
    fm = {"id": sid, "date": stamp.isoformat(timespec="seconds"), "branch": branch, "plan": plan,
          "decisions": list(decisions or []), "files": list(files or [])}
    body = [f"# Session {sid}", "", summary.strip(), ""]
    if decisions:
        body += ["## Key Decisions", ""] + [f"- {d}" for d in decisions] + [""]
    if files:
        body += ["## Files Changed", ""] + [f"- `{f}`" for f in files] + [""]
    if plan:
        body += ["## Related Plan", "", f"`{SESSIONS.rsplit('/', 1)[0]}/plans/{plan}`", ""]
    retention = int((workflow_config(root).get("sessions") or {}).get("retention", 50))
    d = root / SESSIONS
    with project_lock(root, "session save"):
        fsio.atomic_write(root, d / f"{sid}.md", fmcore.render_plan(fm, "\n".join(body)))
        existing = [p for p in fsio.listdir(root, d, "*.md") if ID_RE.fullmatch(p.stem)]
        removed = []
        for p in existing[:-retention] if len(existing) > retention else []:
            fsio.unlink(root, p, missing_ok=True)
            removed.append(p.stem)
    return {"id": sid, "file": f"{SESSIONS}/{sid}.md", "branch": branch, "plan": plan, "removed": removed}


def list_sessions(root: Path, limit: int = 10) -> list[dict[str, Any]]:
    d = root / SESSIONS
    out = []
    found = [p for p in fsio.listdir(root, d, "*.md") if ID_RE.fullmatch(p.stem)]
    for p in sorted(found, reverse=True)[:max(1, limit)]:
        try:
            fm, body = fmcore.split_frontmatter(fsio.read_text(root, p, errors="replace"))
        except CadenceError as err:
            if err.code == fsio.UNSAFE:
                continue  # a link out of the repository is not a session note
            fm, body = {}, ""
        except OSError:
            continue
        fm = fm or {}
        first = next((ln.strip() for ln in body.split("\n") if ln.strip() and not ln.startswith("#")), "")
        out.append({"id": p.stem, "date": fm.get("date"), "branch": fm.get("branch"), "plan": fm.get("plan"),
                    "summary": first[:80] + ("…" if len(first) > 80 else "")})
    return out


def show_session(root: Path, session_id: str) -> dict[str, Any]:
    sid = validate_id(session_id)
    p = root / SESSIONS / f"{sid}.md"
    try:
        text = fsio.read_text(root, p, errors="replace")
    except OSError:
        raise CadenceError("SESSION_NOT_FOUND", f"session not found: {sid}", "Run 'cadence session list'.",
                           PRECONDITION) from None
    fm, _ = fmcore.split_frontmatter(text)
    return {"id": sid, "frontmatter": fm or {}, "content": text}
