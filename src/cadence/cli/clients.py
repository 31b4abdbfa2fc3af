"""Client commands: doctor (install, uninstall and configure arrive with the client renderers)."""

from __future__ import annotations

import argparse
from typing import Any

from cadence.cli.output import Context, paint
from cadence.errors import CONFLICT, CadenceError


def add_doctor(p: argparse.ArgumentParser) -> None:
    p.add_argument("--repair", action="store_true", help="fix what is safe (restore or re-derive state.json)")
    p.set_defaults(func=cmd_doctor)


def cmd_doctor(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.project.doctor import doctor
    data = doctor(ctx.root(), repair=args.repair)
    lines = [f"{paint('✓', '32') if c['ok'] else paint('✗', '31')} {c['name']}: {c['message']}"
             + ("" if c["ok"] else f"\n    fix: {c.get('fix', '')}") for c in data["checks"]]
    for r in data["repairs"]:
        lines.append(f"repaired state: {r['action']}" + (f" from {r['from']}" if r.get("from") else
                                                         f" ({len(r.get('completed', []))} step(s) completed from outputs on disk)"))
    if not data["ok"]:
        raise CadenceError("DOCTOR_PROBLEMS", "\n".join(lines), "Run 'cadence doctor --repair' for the safe fixes.",
                           CONFLICT, data=data)
    return data, "\n".join(lines)
