"""scope [--base REF] [PATH…]."""

from __future__ import annotations

import argparse
from typing import Any

from cadence.cli.output import Context, paint


def add_scope(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH", help="files to classify (default: the working tree's changes)")
    p.add_argument("--base", metavar="REF", help="classify merge-base(REF)…HEAD instead")
    p.set_defaults(func=cmd_scope)


def cmd_scope(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.review import change_scope
    d = change_scope(ctx.root(), args.paths or None, args.base)
    colour = {"trivial": "2", "low": "32", "standard": "33", "high": "31"}[d["scope"]]
    lines = [f"Scope: {paint(d['scope'].upper(), colour)}", f"  {d['rationale']}",
             "Reviewers: " + (", ".join("@" + a for a in d["agents"]) or "none")]
    if d["files"]:
        lines.append("Files:")
        shown = d["files"][:200]
        width = min(60, max(len(f["path"]) for f in shown))
        lines += [f"  {f['tier']:<8} {f['path']:<{width}}  {paint(f['rule'], '2')}" for f in shown]
        if len(d["files"]) > 200:
            lines.append(f"  … and {len(d['files']) - 200} more (use --json)")
    return d, "\n".join(lines)
