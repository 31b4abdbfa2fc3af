"""branch status | create TYPE NAME | switch NAME [--stash]."""

from __future__ import annotations

import argparse
from typing import Any

from cadence.cli.output import Context, paint, sub


def add_branch(p: argparse.ArgumentParser) -> None:
    from cadence.workflow.branches import BRANCH_TYPES
    s = sub(p)
    a = s.add_parser("status", help="branch, protection, ahead/behind, staged / unstaged / untracked")
    a.set_defaults(func=cmd_status)
    a = s.add_parser("create", help="create and switch to <type>/<name>")
    a.add_argument("type", choices=BRANCH_TYPES)
    a.add_argument("name")
    a.set_defaults(func=cmd_create)
    a = s.add_parser("switch", help="switch branch (refuses uncommitted changes unless --stash)")
    a.add_argument("name")
    a.add_argument("--stash", action="store_true", help="stash uncommitted changes first")
    a.set_defaults(func=cmd_switch)


def cmd_status(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.branches import branch_status
    d = branch_status(ctx.root())
    name = d["branch"] or "(detached HEAD)"
    lines = [f"Branch: {paint(name, '1')}" + (paint("  PROTECTED", "31") if d["protected"] else "")
             + ("  (linked worktree)" if d["worktree"] == "linked" else "")]
    if d["upstream"]:
        lines.append(f"Upstream: {d['upstream']} (ahead {d['ahead']}, behind {d['behind']})")
    for key, label in (("staged", "Staged"), ("unstaged", "Unstaged"), ("untracked", "Untracked"),
                       ("conflicted", "Conflicted")):
        if d[key]:
            lines.append(f"{label} ({len(d[key])}):")
            lines += [f"  {f}" for f in d[key][:50]] + ([f"  … {len(d[key]) - 50} more"] if len(d[key]) > 50 else [])
    if d["clean"]:
        lines.append("Working tree clean.")
    if d["protected"]:
        lines.append("Work on a branch: cadence branch create feature NAME, or cadence worktree create NAME.")
    return d, "\n".join(lines)


def cmd_create(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.branches import create_branch
    d = create_branch(ctx.root(), args.type, args.name)
    return d, f"✓ created and switched to {d['branch']}"


def cmd_switch(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.branches import switch_branch
    d = switch_branch(ctx.root(), args.name, args.stash)
    if not d["switched"]:
        return d, f"Already on {d['branch']}."
    return d, f"✓ switched to {d['branch']}" + (" (changes stashed: git stash pop to restore)" if d["stashed"] else "")
