"""github status | issues | projects | issue-to-plan N (through the gh CLI)."""

from __future__ import annotations

import argparse
from typing import Any

from cadence.cli.output import Context, paint, sub


def add_github(p: argparse.ArgumentParser) -> None:
    s = sub(p)
    a = s.add_parser("status", help="gh present and authenticated, repository from the remote")
    a.set_defaults(func=cmd_status)
    a = s.add_parser("issues", help="list issues")
    a.add_argument("--state", default="open", choices=("open", "closed", "all"))
    a.add_argument("--label", action="append", default=[])
    a.add_argument("--assignee")
    a.add_argument("--milestone")
    a.add_argument("--limit", type=int, default=20, help="1–100 (clamped)")
    a.set_defaults(func=cmd_issues)
    a = s.add_parser("projects", help="projects of the repository owner, or one project's items")
    a.add_argument("--number", type=int)
    a.add_argument("--status", help="only items whose status contains this")
    a.add_argument("--limit", type=int, default=30, help="1–100 (clamped)")
    a.set_defaults(func=cmd_projects)
    a = s.add_parser("issue-to-plan", help="seed a plan from an issue")
    a.add_argument("number", type=int)
    a.set_defaults(func=cmd_issue_to_plan)


def cmd_status(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.github import github_status
    d = github_status(ctx.root())
    ok, no = paint("✓", "32"), paint("✗", "31")
    lines = [f"{ok if d['gh'] else no} gh " + ("installed" if d["gh"] else "not installed (https://cli.github.com/)")]
    if d["gh"]:
        lines.append(f"{ok if d['authenticated'] else no} " + ("authenticated" if d["authenticated"]
                                                               else "not authenticated: run 'gh auth login'"))
    if d["owner"]:
        lines.append(f"{ok} repository {d['owner']}/{d['repo']} on {d['host']}")
    else:
        lines.append(f"{no} no GitHub remote (origin)" + (f": {d['remote']}" if d["remote"] else ""))
    return d, "\n".join(lines)


def cmd_issues(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.github import list_issues
    d = list_issues(ctx.root(), args.state, args.label, args.assignee, args.milestone, args.limit)
    _clamped(ctx, args.limit, d)
    if not d["issues"]:
        return d, "No issues found."
    lines = []
    for i in d["issues"]:
        labels = f" [{', '.join(i['labels'])}]" if i["labels"] else ""
        who = f" → {', '.join(i['assignees'])}" if i["assignees"] else ""
        lines.append(f"#{i['number']}: {i['title']}{labels}{who}")
    return d, f"{len(d['issues'])} issue(s) in {d['repo']}:\n" + "\n".join(lines)


def cmd_projects(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.github import list_projects
    d = list_projects(ctx.root(), args.number, args.status, args.limit)
    _clamped(ctx, args.limit, d)
    if args.number is None:
        if not d["projects"]:
            return d, f"No projects for {d['owner']}."
        return d, f"Projects of {d['owner']}:\n" + "\n".join(f"  #{p['number']}: {p['title']}" for p in d["projects"])
    if not d["items"]:
        return d, f"No items in project #{args.number}."
    return d, f"Project #{args.number}:\n" + "\n".join(
        f"  {('#' + str(i['number']) + ': ') if i['number'] else ''}{i['title']} ({i['status'] or '—'})"
        for i in d["items"])


def cmd_issue_to_plan(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.cli._wf import require
    from cadence.workflow.github import issue_to_plan
    d = issue_to_plan(require(ctx.root()), args.number)
    return d, f"✓ plan {d['file']} seeded from issue #{args.number} ({d['tasks']} task(s))"


def _clamped(ctx: Context, asked: int | None, data: Any) -> None:
    used = data.get("limit") if isinstance(data, dict) else None
    if asked is not None and isinstance(used, int) and used != asked:
        ctx.warn(f"--limit {asked} clamped to {used} (1–100)")
