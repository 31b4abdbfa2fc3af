"""worktree create NAME [--type T] [--from REF] | list | remove NAME [--delete-branch] [--force] | open NAME."""

from __future__ import annotations

import argparse
from typing import Any

from cadence.cli.output import Context, paint, sub


def add_worktree(p: argparse.ArgumentParser) -> None:
    from cadence.workflow.branches import BRANCH_TYPES
    s = sub(p)
    a = s.add_parser("create", help="create .worktrees/NAME on branch <type>/<name>")
    a.add_argument("name")
    a.add_argument("--type", dest="type_", default="feature", choices=BRANCH_TYPES)
    a.add_argument("--from", dest="from_ref", metavar="REF", help="start point of a new branch (default HEAD)")
    a.set_defaults(func=cmd_create)
    a = s.add_parser("list", help="all worktrees of this repository")
    a.set_defaults(func=cmd_list)
    a = s.add_parser("remove", help="remove a worktree (refuses dirty / unmerged without --force)")
    a.add_argument("name")
    a.add_argument("--delete-branch", action="store_true")
    a.add_argument("--force", action="store_true", help="discard uncommitted work / unmerged commits")
    a.set_defaults(func=cmd_remove)
    a = s.add_parser("open", help="print the path and the command to start your AI client there")
    a.add_argument("name")
    a.set_defaults(func=cmd_open)


def cmd_create(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.worktrees import create_worktree
    d = create_worktree(ctx.root(), args.name, args.type_, args.from_ref)
    for w in d["warnings"]:
        ctx.warn(w)
    lines = [f"✓ worktree {d['name']} on branch {d['branch']}" + ("" if d["created_branch"] else " (existing branch)"),
             f"  path: {d['path']}"]
    if d["copied"]:
        lines.append("  copied from .worktreeinclude: " + ", ".join(d["copied"]))
    if d["setup"]:
        lines.append(f"  setup: {d['setup']['command']} → exit {d['setup']['exit_code']}")
    lines.append(f"  start: {d['open']}")
    return d, "\n".join(lines)


def cmd_list(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.worktrees import list_worktrees
    items = list_worktrees(ctx.root())
    lines = ["Worktrees:"]
    for w in items:
        label = w["branch"] or "(detached)"
        main = " (main)" if w["main"] else ""
        lines.append(f"  {paint(label, '1')}{main}\n      {w['path']}  {(w['head'] or '')[:10]}")
    return {"worktrees": items}, "\n".join(lines)


def cmd_remove(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.worktrees import remove_worktree
    d = remove_worktree(ctx.root(), args.name, args.delete_branch, args.force)
    text = f"✓ removed worktree {d['name']} ({d['path']})"
    if d["branch"]:
        text += f"\n  branch {d['branch']} " + ("deleted" if d["branch_deleted"] else "kept")
    text += f"\n  main tree: {d['main_root']}"
    return d, text


def cmd_open(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.worktrees import open_worktree
    d = open_worktree(ctx.root(), args.name)
    return d, f"{d['path']}\n{d['command']}"
