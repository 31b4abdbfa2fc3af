"""Helpers shared by the workflow command modules (input files, stdin)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from cadence.errors import USAGE, CadenceError


def read_input(file: str | None, allow_stdin: bool = True) -> str:
    """Content from --file F (`-` = stdin), else stdin when it is not a terminal, else ""."""
    if file and file != "-":
        try:
            return Path(file).read_bytes().decode("utf-8")
        except FileNotFoundError:
            raise CadenceError("FILE_NOT_FOUND", f"no such file: {file}", "Check the path.", USAGE) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CadenceError("FILE_UNREADABLE", f"cannot read {file}: {exc}", "", USAGE) from None
    if file == "-" or (allow_stdin and sys.stdin is not None and not sys.stdin.isatty()):
        try:
            return sys.stdin.read()
        except (OSError, ValueError):
            return ""
    return ""


def seconds(text: str) -> float:
    """`--wait` values: a finite, non-negative number of seconds."""
    import argparse
    import math
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of seconds, 0 or more")
    return value


def add_wait(p: Any) -> None:
    """`--wait SECONDS` on a command that takes the project lock (the same flag as the pipeline commands)."""
    p.add_argument("--wait", type=seconds, metavar="SECONDS", default=None,
                   help="how long to wait for the project lock (default 10)")


def require(ctx_root: Path) -> Path:
    from cadence.workflow.common import workflow_root
    return workflow_root(ctx_root)
