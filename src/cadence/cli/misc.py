"""`cadence version` and `cadence demo`."""

from __future__ import annotations

import argparse
import platform
import sys
from typing import Any

from cadence.cli.output import Context


def add_version(p: argparse.ArgumentParser) -> None:
    p.set_defaults(func=cmd_version)


def cmd_version(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence import __version__
    data = {"version": __version__, "python": platform.python_version(), "platform": sys.platform}
    return data, f"cadence {__version__} (Python {data['python']}, {data['platform']})"


def add_demo(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep", action="store_true", help="keep the temporary repository and print its path")
    p.set_defaults(func=cmd_demo)


def cmd_demo(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.cli.demo import run_demo
    return run_demo(ctx, keep=args.keep)
