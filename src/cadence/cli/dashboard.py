"""`cadence dashboard [--output FILE] [--open]`: write the self-contained HTML page (never writes state)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cadence.cli.output import Context


def add_dashboard(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", "-o", metavar="FILE",
                   help="where to write the page ('-' = stdout; default: a file in the temp directory)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.set_defaults(func=cmd_dashboard)


def default_output(root: Path) -> Path:
    import re
    import tempfile
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", root.name).strip("-") or "project"
    return Path(tempfile.gettempdir()) / f"cadence-dashboard-{slug}.html"


def cmd_dashboard(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.dashboard import collect, render_html
    from cadence.errors import USAGE, CadenceError
    root = ctx.root()
    data = collect(root)
    ctx.warnings.extend(data["warnings"])
    page = render_html(data)
    if args.output == "-":
        if ctx.json:
            return {"html": page}, ""
        import sys
        sys.stdout.write(page)
        return {"bytes": len(page)}, ""
    out = Path(args.output).expanduser() if args.output else default_output(root)
    if out.is_dir():
        raise CadenceError("USAGE", f"--output {out} is a directory", "Give a file name, e.g. dashboard.html.", USAGE)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise CadenceError("WRITE_FAILED", f"cannot write {out}: {exc.strerror}", "Choose another --output path.",
                           USAGE) from None
    if args.open:
        import webbrowser
        if not webbrowser.open(out.resolve().as_uri()):
            ctx.warn("no browser could be opened; open the file yourself")
    prog = data["progress"]
    res = {"output": str(out), "bytes": len(page.encode("utf-8")), "progress": prog,
           "loop": data["loop"] is not None, "gate": data["gate"] is not None}
    return res, f"✓ dashboard written to {out} ({prog['percent']}% complete)"
