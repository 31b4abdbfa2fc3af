"""Plans on disk: `.cadence/plans/<YYYY-MM-DD>-<type>-<slug>.md` — save, list, show, delete, commit, overlaps."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cadence.core import plan as core
from cadence.errors import CONFLICT, PRECONDITION, USAGE, CadenceError
from cadence.project import fsio
from cadence.project.lock import project_lock
from cadence.project.planfiles import existing_plan, plans_dir, read_plan
from cadence.workflow.common import now, today


def save_plan(root: Path, title: str | None, type_: str | None, content: str, issues: list[int] | None = None,
              status: str | None = None) -> dict[str, Any]:
    """Write a new plan; the content's own frontmatter is kept, the given values take precedence."""
    fm, body = core.split_frontmatter(content or "")
    fm = dict(fm or {})
    if title:
        fm["title"] = title
    if type_:
        fm["type"] = type_
    if status:
        fm["status"] = status
    if issues:
        fm["issues"] = sorted(set(core.issues_of(fm) + [int(i) for i in issues]))
    fm["title"] = str(fm.get("title") or core.title_of(None, body)).strip()
    if not fm["title"]:
        raise CadenceError("TITLE_REQUIRED", "a plan needs a title", "Pass --title 'Add login' (or a title: line).",
                           USAGE)
    if "\n" in fm["title"] or "\r" in fm["title"]:
        raise CadenceError("INVALID_TITLE", "the title must be one line", "", USAGE)
    fm.setdefault("type", "feature")
    fm.setdefault("created", now())
    fm.setdefault("status", "draft")
    if "issues" in fm:
        fm["issues"] = core.issues_of(fm)
    core.validate_frontmatter(fm)
    if not any(line.startswith("# ") for line in body.split("\n")):
        body = f"# Plan: {fm['title']}\n\n" + body.lstrip("\n")
    text = core.render_plan(fm, body)
    slug = core.slugify(fm["title"])
    base = plans_dir(root)
    with project_lock(root, "plan save"):
        fsio.mkdirs(root, base)
        stem = f"{today()}-{fm['type']}-{slug}"
        name = f"{stem}.md"
        n = 2
        while os.path.lexists(base / name):
            name = f"{stem}-{n}.md"
            n += 1
        fsio.atomic_write(root, base / name, text)
    tasks = core.parse_tasks(body)
    return {"file": name, "path": str(base / name), "title": fm["title"], "type": fm["type"], "tasks": len(tasks),
            "issues": fm.get("issues", [])}


def list_plans(root: Path) -> list[dict[str, Any]]:
    """Newest first: file, title, type, status, branch, task count (an unreadable plan carries `error`)."""
    out = []
    for path in fsio.listdir(root, plans_dir(root), "*.md"):
        entry: dict[str, Any] = {"file": path.name}
        try:
            p = read_plan(root, path)
            fm = p["frontmatter"]
            entry.update(title=p["title"] or path.stem, type=fm.get("type", "unknown"),
                         status=fm.get("status", "draft"),
                         branch=fm.get("branch"), tasks=len(p["tasks"]), created=str(fm.get("created") or ""),
                         issues=p["issues"])
        except CadenceError as exc:
            entry.update(title=path.stem, type="unknown", status="unknown", branch=None, tasks=0, created="",
                         issues=[], error=exc.message)
        out.append(entry)
    out.sort(key=lambda e: (e["file"][:10], e["created"], e["file"]), reverse=True)
    return out


def show_plan(root: Path, name: str) -> dict[str, Any]:
    path = existing_plan(root, name)
    p = read_plan(root, path)
    return {"file": path.name, "frontmatter": p["frontmatter"], "title": p["title"], "tasks": p["tasks"],
            "sections": p["sections"], "issues": p["issues"], "content": p["text"]}


def _active_loop_plan(root: Path) -> str | None:
    from cadence.project.loopfile import load_loop
    try:
        state = load_loop(root)
    except CadenceError:
        return None
    if state and state.get("completed_at") is None:
        return str(state["plan"])
    return None


def delete_plan(root: Path, name: str, force: bool = False) -> dict[str, Any]:
    path = existing_plan(root, name)
    with project_lock(root, "plan delete"):
        if _active_loop_plan(root) == path.name and not force:
            raise CadenceError("PLAN_IN_USE", f"plan {path.name} is used by the active loop",
                               "Finish or abort the loop first ('cadence loop abort'), or pass --force.", PRECONDITION)
        fsio.unlink(root, path)
    return {"file": path.name, "deleted": True}


def find_plan_for_branch(root: Path, branch: str) -> str | None:
    """The plan whose frontmatter `branch:` equals `branch` exactly — never a guess."""
    for entry in list_plans(root):
        if entry.get("branch") == branch:
            return str(entry["file"])
    return None


def commit_plan(root: Path, name: str) -> dict[str, Any]:
    """Commit only the plan file; on a protected branch or detached HEAD first create `<prefix>/<slug>`."""
    from cadence.vcs import git
    from cadence.workflow.common import require_git, workflow_config
    require_git(root)
    path = existing_plan(root, name)
    p = read_plan(root, path)
    fm = p["frontmatter"]
    protected = workflow_config(root)["protected-branches"]
    current = git.current_branch(root)
    created = False
    target = current
    if current is None or current in protected:
        wanted = fm.get("branch") if isinstance(fm.get("branch"), str) and fm.get("branch") not in protected else None
        if wanted and git.branch_exists(root, wanted):
            git.run_git(root, ["switch", wanted])
            target = wanted
        else:
            prefix = core.BRANCH_PREFIX.get(str(fm.get("type")), "feature")
            base = f"{prefix}/{core.slugify(p['title'] or path.stem)}"
            target = base
            n = 2
            while git.branch_exists(root, target):
                if n > 10:
                    raise CadenceError("BRANCH_NAME_TAKEN", f"branches {base} … {base}-10 all exist",
                                       "Delete old branches or rename the plan.", CONFLICT)
                target = f"{base}-{n}"
                n += 1
            git.run_git(root, ["switch", "-c", target] if git.has_head(root) else ["checkout", "-q", "-b", target])
            created = True
    if fm.get("branch") != target:
        fm["branch"] = target
        fsio.atomic_write(root, path, core.render_plan(fm, p["body"]))
    rel = path.relative_to(root.resolve()).as_posix() if path.is_relative_to(root.resolve()) else str(path)
    git.run_git(root, ["add", "--", rel])
    staged = git.run_git(root, ["diff", "--cached", "--name-only", "--", rel]).strip()
    tracked = git.run_git(root, ["ls-files", "--", rel]).strip()
    if not staged and tracked:
        head = git.run_git(root, ["rev-parse", "HEAD"]).strip()
        return {"file": path.name, "branch": target, "created_branch": created, "commit": head,
                "already_committed": True}
    msg = f"chore(plan): {p['title'] or path.stem}"
    git.run_git(root, ["commit", "-q", "-m", msg, "--only", "--", rel])
    head = git.run_git(root, ["rev-parse", "HEAD"]).strip()
    return {"file": path.name, "branch": target, "created_branch": created, "commit": head,
            "already_committed": False, "message": msg}


def overlaps(root: Path) -> dict[str, Any]:
    """Open plans (status ≠ done) whose `touches` globs or listed files intersect, with the files in common."""
    from cadence.core.globs import match_any
    plans = []
    for entry in list_plans(root):
        if entry.get("error") or entry.get("status") == "done":
            continue
        p = read_plan(root, plans_dir(root) / entry["file"])
        plans.append((entry["file"], p["touches"], core.listed_files(p["body"])))
    candidates: set[str] = set()
    for _, _, listed in plans:
        candidates.update(listed)
    try:
        from cadence.vcs import git
        if git.is_repo(root):
            candidates.update(f for f in git.run_git(root, ["ls-files", "-z"]).split("\0") if f)
    except CadenceError:
        pass
    sets = []
    for name, globs, listed in plans:
        files = {f for f in candidates if globs and match_any(f, globs)} | set(listed)
        sets.append((name, files, set(globs)))
    pairs = []
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            a, fa, ga = sets[i]
            b, fb, gb = sets[j]
            common = sorted(fa & fb)
            shared_globs = sorted(ga & gb)
            if common or shared_globs:
                pairs.append({"plans": [a, b], "files": common, "globs": shared_globs})
    return {"open_plans": [s[0] for s in sets], "overlaps": pairs}
