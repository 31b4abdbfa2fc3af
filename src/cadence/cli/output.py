"""Rendering for both output modes: the JSON envelope and human text (colour only on a TTY)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from cadence.errors import CadenceError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Context:
    """Per-invocation options and the warnings collected for the envelope."""

    def __init__(self, json: bool = False, debug: bool = False, no_input: bool = False,
                 root_arg: str | None = None) -> None:
        self.json = json
        self.debug = debug
        self.no_input = no_input or not sys.stdin or not sys.stdin.isatty()
        self.root_arg = root_arg
        self.warnings: list[str] = []
        self._root: Path | None = None

    @property
    def interactive(self) -> bool:
        return not self.no_input and not self.json and sys.stdout.isatty()

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def root(self) -> Path:
        """The project root: --root, else the nearest `.cadence/`, else the git top level, else cwd."""
        if self._root is None:
            from cadence.project.paths import find_root
            self._root = find_root(self.root_arg)
        return self._root


class HelpRequested(Exception):
    """`--help` was given: the caller prints `text` (as a JSON document under --json), exit 0."""

    def __init__(self, text: str) -> None:
        super().__init__("help")
        self.text = text


PLAN_ARG = "a saved plan: its file name, or a unique part of it (see 'cadence plan list')"
# Help for arguments declared without any, by (command, dest) or dest: every argument in --help says what it is.
ARG_HELP: dict[tuple[str, str] | str, str] = {
    ("plan", "name"): PLAN_ARG, ("loop", "plan"): PLAN_ARG,
    ("loop", "result"): "the current task's outcome",
    ("branch", "type"): "the kind of change: the branch is TYPE/NAME", ("branch", "name"): "the branch's short name",
    ("worktree", "name"): "the worktree's name (a folder under .worktrees/)",
    ("knowledge", "name"): "a knowledge entry (see 'cadence knowledge list')",
    ("knowledge", "query"): "the words to look for", ("session", "id"): "a session note (see 'cadence session list')",
    ("github", "number"): "the issue number", ("decisions", "text"): "the decision, in a sentence",
    "step": "a pipeline step (see 'cadence status')", "steps": "pipeline steps (see 'cadence status')",
    "type_": "the kind of document or change", "title": "a title", "tag": "a tag (repeat)",
    "draft": "open the pull request as a draft", "label": "a label (repeat)", "assignee": "a GitHub login",
    "milestone": "a milestone title", ("plan", "status"): "the plan's status", "section": "show only this part",
    "category": "what kind of decision", ("decisions", "last"): "only the last N decisions",
    "delete_branch": "also delete the worktree's branch", "summary": "what the session did, in a sentence",
    "decision": "a decision taken in the session (repeat)", ("github", "state"): "which issues, by state",
    "limit": "at most this many results",
    "max_retries": "failed attempts allowed per task before the loop stops for a decision",
}
GLOBALS_EPILOG = ("global options (anywhere on the line): --root DIR (the project; default: found from here), "
                  "--json (one JSON document on stdout), --debug, --no-input")


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise CadenceError("USAGE", message, f"Run '{self.prog} --help' for usage.", 1)

    def print_help(self, file: Any = None) -> None:
        raise HelpRequested(self.format_help())

    def format_help(self) -> str:
        words = self.prog.split()
        command = words[1] if len(words) > 1 else ""
        for action in self._actions:
            if action.help is None:
                action.help = ARG_HELP.get((command, action.dest)) or ARG_HELP.get(action.dest)
        if self.epilog is None and len(words) > 1:
            self.epilog = GLOBALS_EPILOG
        return super().format_help()


def make_parser(prog: str, description: str) -> Parser:
    return Parser(prog=prog, description=description)


def sub(parser: argparse.ArgumentParser, dest: str = "action") -> Any:
    subs = parser.add_subparsers(dest=dest, metavar="ACTION", parser_class=Parser)
    subs.required = True
    return subs


def _colour_enabled(stream: Any) -> bool:
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def paint(text: str, code: str, stream: Any = None) -> str:
    """Wrap `text` in an ANSI colour (`code` like "32" green, "31" red, "33" yellow, "2" dim)."""
    if _colour_enabled(stream or sys.stdout):
        return f"\033[{code}m{text}\033[0m"
    return text


def emit_result(ctx: Context, data: Any, text: str | None = None) -> int:
    if ctx.json:
        envelope = {"ok": True, "data": data, "warnings": ctx.warnings, "error": None}
        sys.stdout.write(json.dumps(envelope, ensure_ascii=False, default=str) + "\n")
        return 0
    for w in ctx.warnings:
        sys.stderr.write(paint("warning: ", "33", sys.stderr) + w + "\n")
    if text is None:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    if text:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def emit_error(ctx: Context, err: CadenceError) -> int:
    if ctx.json:
        envelope = {"ok": False, "data": err.data, "warnings": ctx.warnings, "error": err.to_dict()}
        sys.stdout.write(json.dumps(envelope, ensure_ascii=False, default=str) + "\n")
        return err.exit_code
    for w in ctx.warnings:
        sys.stderr.write(paint("warning: ", "33", sys.stderr) + w + "\n")
    sys.stderr.write(paint("error", "31", sys.stderr) + f" [{err.code}]: {err.message}\n")
    if err.hint:
        sys.stderr.write(f"  fix: {err.hint}\n")
    return err.exit_code
