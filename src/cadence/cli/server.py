"""`cadence mcp`: run the MCP server on stdio (the SDK is imported only here)."""

from __future__ import annotations

import argparse
from typing import Any

from cadence.cli.output import Context


def add_mcp(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tools", choices=("core", "standard", "all", "lean"), default="standard",
                   help="tool tier: core (10 tools), standard (27, default), all (40), or lean (every tool "
                   "behind three entry points, read, plan and write: what install registers)")
    p.add_argument("--list", action="store_true", help="print the tier's tools and exit (no server)")
    p.set_defaults(func=cmd_mcp)


def cmd_mcp(ctx: Context, args: argparse.Namespace) -> tuple[Any, str] | None:
    if args.list:
        from cadence.mcp.tools import tools_for
        tools = [{"name": t.name, "tier": t.tier, "description": t.description, "read_only": t.read_only}
                 for t in tools_for(args.tools)]
        return {"tier": args.tools, "tools": tools}, "\n".join(f"{t['name']:<22} {t['description']}" for t in tools)
    from cadence.mcp.server import serve
    serve(args.tools, ctx.root_arg, ctx.debug)
    raise SystemExit(0)
