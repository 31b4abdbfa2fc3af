"""`cadence knowledge list|show|search|stale|override|reset`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cadence.cli.output import Context, paint, sub


def add_knowledge(p: argparse.ArgumentParser) -> None:
    subs = sub(p)
    subs.add_parser("list", help="every entry (library and project overrides)").set_defaults(func=cmd_list)
    show = subs.add_parser("show", help="print an entry (the project override wins)")
    show.add_argument("name")
    show.set_defaults(func=cmd_show)
    search = subs.add_parser("search", help="find entries by words")
    search.add_argument("query", nargs="+")
    search.add_argument("--limit", type=int, default=20)
    search.set_defaults(func=cmd_search)
    st = subs.add_parser("stale", help="entries due for review, or pinning a version past end of life")
    st.add_argument("--as-of", metavar="YYYY-MM-DD", help="judge against this date instead of today")
    st.set_defaults(func=cmd_stale)
    ov = subs.add_parser("override", help="copy an entry to .cadence/knowledge/ to edit it for this project")
    ov.add_argument("name")
    ov.add_argument("--force", action="store_true", help="replace an existing override")
    ov.set_defaults(func=cmd_override)
    rs = subs.add_parser("reset", help="drop a project override")
    rs.add_argument("name")
    rs.add_argument("--force", action="store_true", help="drop it even if you edited it")
    rs.set_defaults(func=cmd_reset)


def _root(ctx: Context) -> Path | None:
    from cadence.project.paths import CONFIG
    root = ctx.root()
    return root if (root / CONFIG).is_file() else None


def cmd_list(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.pipeline.knowledge import entries
    items = entries(_root(ctx))
    lines = []
    cat = None
    for e in sorted(items, key=lambda e: (e["category"], e["name"])):
        if e["category"] != cat:
            cat = e["category"]
            lines.append(paint(cat, "1"))
        mark = paint(" [override]", "33") if e["source"] == "override" else ""
        lines.append(f"  {e['name']}{mark} — {e['description']}")
    return {"entries": items}, "\n".join(lines) or "The knowledge base is empty."


def cmd_show(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.pipeline.knowledge import show
    data = show(_root(ctx), args.name)
    return data, data["content"]


def cmd_search(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.pipeline.knowledge import search
    data = search(_root(ctx), " ".join(args.query), args.limit)
    if not data["results"]:
        return data, f"No entry matches {data['query']!r}."
    lines = [f"score  entry (words matched{', +3 for your project type' if data['project_type'] else ''})"]
    for r in data["results"]:
        words = f"{r['matched']}/{data['words']} words" if r["matched"] else "in the text"
        mark = " +" if r["boost"] else ""
        lines.append(f"{r['score']:>5}  {r['name']} ({r['category']}{mark}, {words}) — {r['description']}")
    return data, "\n".join(lines)


def cmd_stale(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from datetime import date

    from cadence.errors import USAGE, CadenceError
    from cadence.pipeline.knowledge import stale, stale_reason
    as_of = None
    if args.as_of is not None:
        try:
            as_of = date.fromisoformat(args.as_of)
        except ValueError:
            raise CadenceError("USAGE", f"--as-of {args.as_of!r} is not a date",
                               "Use YYYY-MM-DD, e.g. --as-of 2027-06-30.", USAGE) from None
    data = stale(_root(ctx), as_of)
    if data["stale"]:
        lines = [f"{len(data['stale'])} of {data['checked']} entries need review on {data['as_of']}:"]
        lines += [f"  {s['name']} ({s['category']}): {stale_reason(s)}" for s in data["stale"]]
    else:
        lines = [f"All {data['checked']} reviewed entries are within their review window on {data['as_of']}, "
                 "and no pinned version is past end of life."]
    if data["untracked"]:
        lines.append(f"Without last-reviewed/volatility (not judged): {', '.join(data['untracked'])}")
    return data, "\n".join(lines)


def cmd_override(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.pipeline.knowledge import override
    data = override(ctx.root(), args.name, args.force)
    return data, f"copied to {data['path']}: edit it; cadence run uses it instead of the library entry"


def cmd_reset(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.pipeline.knowledge import reset
    data = reset(ctx.root(), args.name, args.force)
    return data, (f"removed the override of {args.name}" if data["removed"] else f"{args.name} has no override")
