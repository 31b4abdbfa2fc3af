"""Helpers shared by the workflow command modules (input files, stdin)."""

from __future__ import annotations

import sys
from pathlib import Path

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


def require(ctx_root: Path) -> Path:
    from cadence.project.workflow import workflow_root
    return workflow_root(ctx_root)
