"""trace: the computed traceability matrix (requirements → stories → criteria → tasks → tests → evidence)."""

from __future__ import annotations

import argparse
from typing import Any

from cadence.cli.output import Context


def add_trace(p: argparse.ArgumentParser) -> None:
    p.add_argument("--limit", type=int, default=0, metavar="N",
                   help="show at most N requirement rows and N gaps in the text output (0: all)")
    p.set_defaults(func=cmd_trace)


def cmd_trace(ctx: Context, args: argparse.Namespace) -> tuple[Any, str | None]:
    """Gaps are data, not a failure: the command exits 0 whenever it could read the project. The text is
    rendered only when it is shown (under --json the matrix is the output)."""
    from cadence.core.trace import markdown
    from cadence.errors import USAGE, CadenceError
    from cadence.pipeline.trace import compute
    if args.limit < 0:
        raise CadenceError("USAGE", "--limit must be 0 or more", "Example: cadence trace --limit 20", USAGE)
    matrix = compute(ctx.root(), ctx.warnings)
    return matrix, None if ctx.json else markdown(matrix, args.limit).rstrip("\n")
