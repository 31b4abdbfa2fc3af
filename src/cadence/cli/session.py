"""session save --summary S [--decision D…] [--file F…] [--plan P] | list | show ID."""

from __future__ import annotations

import argparse
from typing import Any

from cadence.cli._wf import add_wait, require
from cadence.cli.output import Context, sub


def add_session(p: argparse.ArgumentParser) -> None:
    s = sub(p)
    a = s.add_parser("save", help="record a session summary")
    a.add_argument("--summary", required=True)
    a.add_argument("--decision", action="append", default=[])
    a.add_argument("--file", action="append", default=[], help="a file changed in the session")
    a.add_argument("--plan", help="the related plan")
    add_wait(a)
    a.set_defaults(func=cmd_save)
    a = s.add_parser("list", help="recent sessions, newest first")
    a.add_argument("--limit", type=int, default=10)
    a.set_defaults(func=cmd_list)
    a = s.add_parser("show", help="one session")
    a.add_argument("id")
    a.set_defaults(func=cmd_show)


def cmd_save(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.sessions import save_session
    d = save_session(require(ctx.root()), args.summary, args.decision, args.file, args.plan)
    extra = f"\n  removed {len(d['removed'])} old session(s) (retention)" if d["removed"] else ""
    return d, f"✓ session {d['id']} saved ({d['file']}){extra}"


def cmd_list(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.sessions import list_sessions
    items = list_sessions(require(ctx.root()), args.limit)
    if not items:
        return {"sessions": []}, "No sessions yet."
    return {"sessions": items}, "Sessions:\n" + "\n".join(
        f"  {s['id']}  {s['branch'] or '-'}  {s['summary']}" for s in items)


def cmd_show(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.sessions import show_session
    d = show_session(require(ctx.root()), args.id)
    return d, d["content"].lstrip("\n")
