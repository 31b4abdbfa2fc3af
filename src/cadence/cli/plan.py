"""plan save | list | show | delete | commit | overlaps."""

from __future__ import annotations

import argparse
from typing import Any

from cadence.cli._wf import add_wait, read_input, require
from cadence.cli.output import Context, paint, sub


def add_plan(p: argparse.ArgumentParser) -> None:
    s = sub(p)
    a = s.add_parser("save", help="save a plan (content from --file or stdin; its frontmatter is kept)")
    a.add_argument("--title", help="plan title (overrides the content's frontmatter)")
    a.add_argument("--type", dest="type_", choices=("feature", "bugfix", "refactor", "architecture", "spike", "docs"))
    a.add_argument("--status", choices=("draft", "approved", "in-progress", "done"))
    a.add_argument("--file", help="read the plan from FILE ('-' = stdin)")
    a.add_argument("--issue", type=int, action="append", default=[], help="linked issue number (repeatable)")
    add_wait(a)
    a.set_defaults(func=cmd_save)
    a = s.add_parser("list", help="plans, newest first")
    a.set_defaults(func=cmd_list)
    a = s.add_parser("show", help="a plan's content, frontmatter and tasks")
    a.add_argument("name")
    a.set_defaults(func=cmd_show)
    a = s.add_parser("delete", help="delete a plan")
    a.add_argument("name")
    a.add_argument("--force", action="store_true", help="even when the active loop uses it")
    add_wait(a)
    a.set_defaults(func=cmd_delete)
    a = s.add_parser("commit", help="commit only the plan file (on a protected branch, create its branch first)")
    a.add_argument("name")
    a.set_defaults(func=cmd_commit)
    a = s.add_parser("overlaps", help="open plans that touch the same files")
    a.set_defaults(func=cmd_overlaps)


def cmd_save(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.plans import save_plan
    root = require(ctx.root())
    content = read_input(args.file)
    if not content.strip():
        from cadence.core.plan import template
        content = template(args.title or "Untitled")
    data = save_plan(root, args.title, args.type_, content, args.issue, args.status)
    return data, (f"✓ saved {data['file']} ({data['type']}, {data['tasks']} task(s))\n"
                  f"  next: cadence plan commit {data['file']}, then cadence loop start {data['file']}")


def cmd_list(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.plans import list_plans
    plans = list_plans(require(ctx.root()))
    if not plans:
        return {"plans": []}, "No plans yet. Save one with 'cadence plan save --title T --file plan.md'."
    lines = [f"Plans ({len(plans)}):"]
    for e in plans:
        extra = f" · branch {e['branch']}" if e.get("branch") else ""
        err = paint(f"  ! {e['error']}", "31") if e.get("error") else ""
        lines.append(f"  {paint(e['file'], '1')}\n      {e['title']} · {e['type']} · {e['status']} · "
                     f"{e['tasks']} task(s){extra}{err}")
    return {"plans": plans}, "\n".join(lines)


def cmd_show(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.plans import show_plan
    data = show_plan(require(ctx.root()), args.name)
    lines = [paint(data["file"], "1"), ""]
    for i, t in enumerate(data["tasks"], 1):
        lines.append(f"  {i}. {t['description']}")
        lines += [f"       AC: {ac}" for ac in t["acceptance"]]
    return data, data["content"] if not data["tasks"] else data["content"].rstrip("\n") + "\n\n" + \
        "Tasks parsed:\n" + "\n".join(lines[2:])


def cmd_delete(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.plans import delete_plan
    data = delete_plan(require(ctx.root()), args.name, args.force)
    return data, f"✓ deleted {data['file']}"


def cmd_commit(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.plans import commit_plan
    d = commit_plan(require(ctx.root()), args.name)
    head = f"✓ {d['file']} already committed on {d['branch']}" if d["already_committed"] else \
        f"✓ committed {d['file']} on {d['branch']} ({d['commit'][:10]})"
    return d, head + ("\n  created and switched to branch " + d["branch"] if d["created_branch"] else "")


def cmd_overlaps(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.plans import overlaps
    d = overlaps(require(ctx.root()))
    if not d["overlaps"]:
        return d, f"No overlaps between {len(d['open_plans'])} open plan(s)."
    lines = ["Overlapping plans:"]
    for o in d["overlaps"]:
        lines.append(f"  {o['plans'][0]} ↔ {o['plans'][1]}")
        lines += [f"      {f}" for f in o["files"][:20]] + [f"      glob {g}" for g in o["globs"]]
    return d, "\n".join(lines)
