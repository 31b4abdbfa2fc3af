"""docs init | save --type T --title T [--file F] | list | index."""

from __future__ import annotations

import argparse
from typing import Any

from cadence.cli._wf import add_wait, read_input
from cadence.cli.output import Context, sub


def add_docs(p: argparse.ArgumentParser) -> None:
    s = sub(p)
    a = s.add_parser("init", help="create docs/decisions, docs/features, docs/flows and INDEX.md")
    a.set_defaults(func=cmd_init)
    a = s.add_parser("save", help="save a decision, feature or flow document")
    a.add_argument("--type", dest="type_", required=True, choices=("decision", "feature", "flow"))
    a.add_argument("--title")
    a.add_argument("--file", help="content from FILE ('-' = stdin)")
    a.add_argument("--tag", action="append", default=[])
    a.add_argument("--related", action="append", default=[], metavar="FILE", help="a related source file")
    add_wait(a)
    a.set_defaults(func=cmd_save)
    a = s.add_parser("list", help="documents, newest first")
    a.add_argument("--type", dest="type_", choices=("decision", "feature", "flow"))
    a.set_defaults(func=cmd_list)
    a = s.add_parser("index", help="regenerate docs/INDEX.md")
    a.set_defaults(func=cmd_index)


def cmd_init(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.docs import init_docs
    d = init_docs(ctx.root())
    return d, "✓ docs ready" + (": created " + ", ".join(d["created"]) if d["created"] else " (already there)")


def cmd_save(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.docs import save_doc
    d = save_doc(ctx.root(), args.type_, args.title, read_input(args.file), args.tag, args.related)
    for w in d["warnings"]:
        ctx.warn(w)
    return d, f"✓ saved {d['file']}; docs/INDEX.md rebuilt"


def cmd_list(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.docs import list_docs
    items = list_docs(ctx.root(), args.type_)
    if not items:
        return {"docs": []}, "No documents yet ('cadence docs save --type decision --title T --file F')."
    lines = [f"  {d['date']}  {d['type']:<8} {d['title']}  ({d['file']})" for d in items]
    return {"docs": items}, f"Documents ({len(items)}):\n" + "\n".join(lines)


def cmd_index(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.docs import build_index, require_docs
    require_docs(ctx.root())
    d = build_index(ctx.root())
    return d, f"✓ {d['file']} rebuilt: " + ", ".join(f"{n} {t}(s)" for t, n in d["counts"].items())
