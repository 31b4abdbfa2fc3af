"""Entry point: global options, lazy dispatch to one command module, the JSON envelope.

Only the invoked command's module is imported and only its parser is built, so
`cadence next` pays for nothing it does not use.
"""

from __future__ import annotations

import sys

# command -> (module, one-line help). Order is the order of `cadence --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("cadence.cli.init", "set up cadence in this repository (wizard or flags)"),
    "next": ("cadence.cli.pipeline", "list the pipeline steps that can run now"),
    "status": ("cadence.cli.pipeline", "pipeline progress per phase"),
    "run": ("cadence.cli.pipeline", "print the assembled prompt for a step or tool"),
    "complete": ("cadence.cli.pipeline", "mark a step completed once its outputs exist"),
    "skip": ("cadence.cli.pipeline", "mark steps skipped, with a reason"),
    "reset": ("cadence.cli.pipeline", "put a step (or every step) back to pending"),
    "rework": ("cadence.cli.pipeline", "re-open completed steps of some phases for update mode"),
    "adopt": ("cadence.cli.pipeline", "brownfield: propose (and apply) steps whose outputs exist"),
    "check": ("cadence.cli.pipeline", "is a step applicable to this project, and why"),
    "info": ("cadence.cli.pipeline", "project summary, or one step's metadata"),
    "list": ("cadence.cli.pipeline", "methodologies, project types, clients, tools"),
    "validate": ("cadence.cli.pipeline", "validate content, config, state and local overrides"),
    "decisions": ("cadence.cli.pipeline", "read or append the decision log"),
    "knowledge": ("cadence.cli.knowledge", "browse the knowledge base and manage local overrides"),
    "dashboard": ("cadence.cli.dashboard", "write a self-contained HTML progress page"),
    "plan": ("cadence.cli.plan", "save, list, show, delete, commit plans; find overlaps"),
    "loop": ("cadence.cli.loop", "the task-by-task implementation loop with evidence"),
    "trace": ("cadence.cli.trace", "requirements → stories → tasks → tests → green runs, computed, with gaps"),
    "scope": ("cadence.cli.scope", "classify changed files into a risk tier and reviewers"),
    "gate": ("cadence.cli.gate", "aggregate reviewer reports into a GO / NO-GO verdict"),
    "branch": ("cadence.cli.branch", "branch status, create, switch"),
    "worktree": ("cadence.cli.worktree", "linked worktrees for parallel work"),
    "docs": ("cadence.cli.docs", "decision, feature and flow documents and their index"),
    "session": ("cadence.cli.session", "session notes"),
    "finish": ("cadence.cli.finish", "commit, push and open or update the pull request"),
    "github": ("cadence.cli.github", "GitHub issues and projects through gh"),
    "install": ("cadence.cli.clients", "render cadence into AI clients' native files"),
    "uninstall": ("cadence.cli.clients", "remove what install wrote, restoring the project"),
    "doctor": ("cadence.cli.clients", "health checks and drift; --repair fixes what is safe"),
    "configure": ("cadence.cli.clients", "configure per-role models"),
    "mcp": ("cadence.cli.server", "run the MCP server on stdio"),
    "version": ("cadence.cli.misc", "print the version"),
    "demo": ("cadence.cli.misc", "walk a throwaway project through the whole product"),
}

GLOBAL_FLAGS = ("--json", "--debug", "--no-input")


def _split_globals(argv: list[str]) -> tuple[dict[str, object], list[str]]:
    opts: dict[str, object] = {"json": False, "debug": False, "no_input": False, "root": None}
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg in GLOBAL_FLAGS:
            opts[arg[2:].replace("-", "_")] = True
        elif arg == "--root":
            value = argv[i + 1] if i + 1 < len(argv) else None
            if value is None or value in (*GLOBAL_FLAGS, "--root", "--help"):
                from cadence.errors import CadenceError
                raise CadenceError("USAGE", "--root needs a directory" + (f", not {value}" if value else ""),
                                   "Example: cadence --root ./my-project status")
            opts["root"] = value
            i += 1
        elif arg.startswith("--root="):
            opts["root"] = arg.split("=", 1)[1]
        else:
            rest.append(arg)
        i += 1
    return opts, rest


def _top_help() -> str:
    from cadence import __version__
    width = max(len(c) for c in COMMANDS)
    lines = [f"cadence {__version__}: a disciplined engineering team for your AI coding assistant",
             "", "usage: cadence [--root DIR] [--json] [--debug] [--no-input] COMMAND [ARGS]", "", "commands:"]
    lines += [f"  {name:<{width}}  {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += ["", "Run 'cadence COMMAND --help' for a command's options.",
              "Exit codes: 0 ok, 1 usage/validation, 2 precondition, 3 state/lock conflict,",
              "4 decision needed, 5 assembly/render/install failure, 6 external tool failed, 130 interrupted."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from cadence.cli.output import Context, HelpRequested, emit_error, emit_result
    from cadence.errors import CadenceError
    try:
        opts, rest = _split_globals(argv)
    except CadenceError as err:
        ctx = Context(json="--json" in argv)
        return emit_error(ctx, err)
    ctx = Context(json=bool(opts["json"]), debug=bool(opts["debug"]), no_input=bool(opts["no_input"]),
                  root_arg=opts["root"])  # type: ignore[arg-type]
    try:
        if rest and rest[0] == "help" and len(rest) > 1:
            rest = [rest[1], "--help"]
        if not rest:
            if ctx.json:
                raise CadenceError("USAGE", "no command given", "Run 'cadence --help' for the list of commands.")
            print(_top_help())
            return 1
        if rest[0] in ("-h", "--help", "help"):
            return emit_result(ctx, {"help": _top_help()}, _top_help())
        if rest[0] in ("--version", "-V"):
            from cadence import __version__
            return emit_result(ctx, {"version": __version__}, f"cadence {__version__}")
        name = rest[0]
        if name not in COMMANDS:
            from cadence.errors import did_you_mean
            raise CadenceError("UNKNOWN_COMMAND", f"unknown command {name!r}",
                               (did_you_mean(name, list(COMMANDS)) + " Run 'cadence --help' for the list.").strip())
        import importlib
        module = importlib.import_module(COMMANDS[name][0])
        from cadence.cli.output import make_parser
        parser = make_parser(f"cadence {name}", COMMANDS[name][1])
        getattr(module, "add_" + name)(parser)
        try:
            args, extra = parser.parse_known_args(rest[1:])
        except HelpRequested as req:
            return emit_result(ctx, {"help": req.text}, req.text)
        if extra and not getattr(args, "pass_unknown", False):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.extra = extra
        token = None
        if getattr(args, "wait", None) is not None:  # --wait SECONDS of any command that takes the lock
            from cadence.project.lock import WAIT
            token = WAIT.set(args.wait)
        try:
            result = args.func(ctx, args)
        finally:
            if token is not None:
                WAIT.reset(token)
        return emit_result(ctx, *result) if isinstance(result, tuple) else emit_result(ctx, result, None)
    except CadenceError as err:
        return emit_error(ctx, err)
    except (KeyboardInterrupt, EOFError) as exc:  # Ctrl-C, or Ctrl-D at a question: the shell convention, 130
        what = "interrupted" if isinstance(exc, KeyboardInterrupt) else "input ended before the question was answered"
        return emit_error(ctx, CadenceError("INTERRUPTED", what, "Nothing was half-written: "
                                            "state writes are atomic.", 130))
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback without --debug
        if ctx.debug:
            raise
        return emit_error(ctx, CadenceError("INTERNAL_ERROR", f"{type(exc).__name__}: {exc}",
                                            "This is a bug in cadence. Re-run with --debug for the traceback "
                                            "and report it.", 1))
