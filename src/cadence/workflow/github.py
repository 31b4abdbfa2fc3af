"""GitHub through the `gh` CLI only: status, issues, projects, issue → plan. No tokens are read or stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cadence.errors import PRECONDITION, USAGE, CadenceError
from cadence.vcs import gh

ISSUE_FIELDS = "number,title,state,labels,assignees,milestone,body,url,createdAt,updatedAt"


def _repo(root: Path) -> dict[str, str] | None:
    from cadence.vcs import git
    url = git.remote_url(root, "origin") if git.is_repo(root) else None
    return gh.parse_repo_url(url) if url else None


def github_status(root: Path) -> dict[str, Any]:
    from cadence.vcs import git
    installed = gh.gh_path() is not None
    url = git.remote_url(root, "origin") if git.is_repo(root) else None
    info = gh.parse_repo_url(url) if url else None
    auth = installed and gh.authenticated(root, info["host"] if info else None)
    return {"gh": installed, "authenticated": auth, "remote": url, "github": info is not None,
            "host": info["host"] if info else None, "owner": info["owner"] if info else None,
            "repo": info["name"] if info else None,
            "enterprise": bool(info and info["host"] not in ("github.com", "www.github.com", "ssh.github.com"))}


def _ready(root: Path) -> dict[str, str]:
    info = _repo(root)
    if gh.gh_path() is None:
        raise gh.missing_error()
    if not gh.authenticated(root, info["host"] if info else None):
        raise gh.GhError("GH_AUTH", "the GitHub CLI is not authenticated", "Run 'gh auth login'.")
    if info is None:
        raise CadenceError("NO_GITHUB_REMOTE", "origin is not a GitHub remote",
                           "Add one: git remote add origin https://github.com/OWNER/REPO.git", PRECONDITION)
    return info


def _repo_arg(info: dict[str, str]) -> list[str]:
    host = "" if info["host"] in ("github.com", "www.github.com", "ssh.github.com") else info["host"] + "/"
    return ["--repo", f"{host}{info['owner']}/{info['name']}"]


def clamp(limit: int | None, default: int = 20) -> int:
    return max(1, min(100, int(limit if limit is not None else default)))


def _issue(i: dict[str, Any]) -> dict[str, Any]:
    return {"number": i.get("number"), "title": i.get("title"), "state": i.get("state"),
            "labels": [lb.get("name") if isinstance(lb, dict) else lb for lb in i.get("labels") or []],
            "assignees": [a.get("login") if isinstance(a, dict) else a for a in i.get("assignees") or []],
            "milestone": (i.get("milestone") or {}).get("title") if isinstance(i.get("milestone"), dict)
            else i.get("milestone"), "url": i.get("url"), "body": i.get("body") or "",
            "created_at": i.get("createdAt"), "updated_at": i.get("updatedAt")}


def list_issues(root: Path, state: str = "open", label: list[str] | None = None, assignee: str | None = None,
                milestone: str | None = None, limit: int | None = None) -> dict[str, Any]:
    if state not in ("open", "closed", "all"):
        raise CadenceError("INVALID_STATE", f"state {state!r} is not open, closed or all", "", USAGE)
    info = _ready(root)
    n = clamp(limit)
    args = ["issue", "list", *_repo_arg(info), "--json", ISSUE_FIELDS, "--limit", str(n), "--state", state]
    for lb in label or []:
        args += ["--label", lb]
    if assignee:
        args += ["--assignee", assignee]
    if milestone:
        args += ["--milestone", milestone]
    data = gh.run_gh_json(root, args) or []
    return {"repo": f"{info['owner']}/{info['name']}", "limit": n, "issues": [_issue(i) for i in data]}


def _norm_type(t: Any) -> str:
    s = str(t or "").upper()
    return "PULL_REQUEST" if "PULL" in s else "DRAFT_ISSUE" if "DRAFT" in s else "ISSUE"


def list_projects(root: Path, number: int | None = None, status: str | None = None,
                  limit: int | None = None) -> dict[str, Any]:
    info = _ready(root)
    n = clamp(limit, 30)
    if number is None:
        data = gh.run_gh_json(root, ["project", "list", "--owner", info["owner"], "--format", "json",
                                     "--limit", str(n)]) or {}
        projects = data.get("projects", data) if isinstance(data, dict) else data
        return {"owner": info["owner"], "projects": [{"number": p.get("number"), "title": p.get("title"),
                                                      "url": p.get("url"), "closed": p.get("closed", False)}
                                                     for p in projects or []]}
    # the status filter runs before the limit: fetch generously, filter, then cut
    fetch = 1000 if status else n
    data = gh.run_gh_json(root, ["project", "item-list", str(number), "--owner", info["owner"], "--format", "json",
                                 "--limit", str(fetch)]) or {}
    items = data.get("items", []) if isinstance(data, dict) else data
    out = []
    for it in items or []:
        content = it.get("content") or {}
        entry = {"title": it.get("title") or content.get("title"), "number": content.get("number"),
                 "type": _norm_type(content.get("type") or it.get("type")), "status": it.get("status"),
                 "labels": it.get("labels") or [], "assignees": it.get("assignees") or [],
                 "url": content.get("url")}
        if status and status.lower() not in str(entry["status"] or "").lower():
            continue
        out.append(entry)
    return {"owner": info["owner"], "project": number, "status": status, "items": out[:n]}


LABEL_TYPES = {"bug": "bugfix", "bugfix": "bugfix", "fix": "bugfix", "documentation": "docs", "docs": "docs",
               "refactor": "refactor", "refactoring": "refactor", "spike": "spike", "research": "spike",
               "architecture": "architecture"}


def issue_to_plan(root: Path, number: int) -> dict[str, Any]:
    from cadence.core import plan as core
    from cadence.workflow.plans import save_plan
    if number < 1:
        raise CadenceError("INVALID_ISSUE", "issue numbers are positive", "", USAGE)
    info = _ready(root)
    data = gh.run_gh_json(root, ["issue", "view", str(number), *_repo_arg(info), "--json",
                                 "number,title,body,labels,url"]) or {}
    labels = [lb.get("name", "") if isinstance(lb, dict) else str(lb) for lb in data.get("labels") or []]
    ptype = next((LABEL_TYPES[lb.lower()] for lb in labels if lb.lower() in LABEL_TYPES), "feature")
    title = str(data.get("title") or f"Issue {number}").replace("\n", " ").strip()
    body = str(data.get("body") or "").replace("\r\n", "\n")
    tasks = [ln.split("]", 1)[1].strip() for ln in body.split("\n") if ln.strip().startswith(("- [ ]", "* [ ]"))]
    summary = (body.strip() or title) + f"\n\nSource: {data.get('url') or f'issue #{number}'}"
    content = core.template(title, summary, tasks or [title])
    saved = save_plan(root, title, ptype, content, [number])
    saved["issue"] = number
    return saved
