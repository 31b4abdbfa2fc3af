"""gate summary --report AGENT=FILE… [--scope S] [--allow-missing AGENT… --reason R] | gate show."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cadence.cli.output import Context, paint, sub
from cadence.errors import USAGE, CadenceError


def add_gate(p: argparse.ArgumentParser) -> None:
    s = sub(p)
    a = s.add_parser("summary", help="aggregate sub-agent reports into GO / GO-WITH-WARNINGS / NO-GO")
    a.add_argument("--report", action="append", default=[], metavar="AGENT=FILE",
                   help="one sub-agent report (FILE '-' = stdin); repeatable")
    a.add_argument("--scope", metavar="SCOPE", help="trivial, low, standard or high: whose reviewers are required "
                   "(default: computed from the working tree, as 'cadence scope')")
    a.add_argument("--allow-missing", action="append", default=[], metavar="AGENT",
                   help="a required reviewer that may be missing (repeatable; needs --reason, recorded as a decision)")
    a.add_argument("--reason", help="why the reviewers given with --allow-missing may be missing")
    a.set_defaults(func=cmd_summary)
    a = s.add_parser("show", help="the last gate result")
    a.set_defaults(func=cmd_show)


def _reports(specs: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    stdin_used = False
    for spec in specs:
        agent, sep, file = spec.partition("=")
        agent = agent.strip().lstrip("@")
        if not sep or not agent or not file:
            raise CadenceError("USAGE", f"--report {spec!r} must look like AGENT=FILE",
                               "Example: --report testing=reports/testing.md", USAGE)
        if file == "-":
            if stdin_used:
                raise CadenceError("USAGE", "only one report can come from stdin", "", USAGE)
            stdin_used = True
            out.append((agent, sys.stdin.read()))
            continue
        try:
            with open(file, "rb") as fh:
                out.append((agent, fh.read().decode("utf-8", errors="replace")))
        except OSError as exc:
            raise CadenceError("FILE_NOT_FOUND", f"cannot read report {file}: {exc.strerror}", "", USAGE) from None
    return out


def _text(d: dict[str, Any]) -> str:
    from cadence.core.gate import render_text
    colour = {"GO": "32", "GO-WITH-WARNINGS": "33", "NO-GO": "31"}[d["recommendation"]]
    text: str = render_text(d)
    text = text.replace(f"Recommendation: {d['recommendation']}",
                        "Recommendation: " + paint(d["recommendation"], colour), 1)
    return text + "\n\nPR section:\n" + str(d["pr_section"])


def cmd_summary(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.cli._wf import require
    from cadence.workflow.review import gate_summary
    d = gate_summary(require(ctx.root()), _reports(args.report), args.scope, args.allow_missing,
                     args.reason)  # runtime state excluded there
    return d, _text(d)


def cmd_show(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.cli._wf import require
    from cadence.workflow.review import gate_show
    d = gate_show(require(ctx.root()))
    return d, f"Gate of {d.get('timestamp')}\n" + _text(d)
