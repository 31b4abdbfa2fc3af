"""finish: gate check, safe staging, commit, push, pull request."""

from __future__ import annotations

import argparse
from typing import Any

from cadence.cli.output import Context, paint


def add_finish(p: argparse.ArgumentParser) -> None:
    p.add_argument("--message", "-m", help="commit message")
    p.add_argument("--title", help="PR title (default: the commit message)")
    p.add_argument("--base", help="PR base branch (default: origin's default, else main/master)")
    p.add_argument("--plan", help="the plan for the PR body (default: the plan whose branch: is this branch)")
    p.add_argument("--issue", type=int, action="append", default=[], help="add 'Closes #N' (repeatable)")
    p.add_argument("--draft", action="store_true")
    p.add_argument("--no-push", dest="push", action="store_false", help="commit only")
    p.add_argument("--force", action="store_true", help="finish despite a NO-GO gate")
    p.add_argument("--allow-secret", dest="allow_secret", action="append", default=[], metavar="PATH",
                   help="commit a file that was left out as a secret anyway, and record the decision (repeatable)")
    p.set_defaults(func=cmd_finish)


def cmd_finish(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    import os

    from cadence.workflow.finish import finish
    allow = [os.path.abspath(p) for p in args.allow_secret]  # relative to where the user typed it
    d = finish(ctx.root(), args.message, args.title, args.base, args.plan, args.issue, args.draft, args.push,
               args.force, allow)
    for w in d["warnings"]:
        ctx.warn(w)
    lines = [f"Branch: {d['branch']} → {d['base']}"]
    lines.append(f"Committed {d['commit'][:10]} ({len(d['staged'])} file(s))" if d["committed"]
                 else f"Nothing new to commit (HEAD {d['commit'][:10]})")
    for e in d["left_out_reasons"]:
        why = f"{e['reason']}: {e['detail']}" if e.get("detail") else e["reason"]
        lines.append(paint(f"  left out: {e['path']} ({why})", "33"))
    if any(e["reason"] == "secret" for e in d["left_out_reasons"]):
        lines.append("  (to commit one of these anyway: --allow-secret PATH, recorded as a decision)")
    for a in d["allowed_secrets"]:
        lines.append(paint(f"  committed although secret-looking: {a['path']} (decision {a['decision']})", "33"))
    lines.append(f"Pushed to origin/{d['branch']}" if d["pushed"] else "Not pushed")
    if d["plan"]:
        lines.append(f"PR body from plan {d['plan']}")
    pr = d["pr"]
    if pr["action"] == "created":
        lines.append(paint(f"✓ PR created: {pr['url']}", "32"))
    elif pr["action"] == "updated":
        lines.append(paint(f"✓ PR updated: {pr['url']}", "32"))
    else:
        lines.append("Open the PR with:\n  " + pr["command"])
    return d, "\n".join(lines)
