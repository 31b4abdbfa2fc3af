"""Client commands: install, uninstall, configure, doctor."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cadence.cli._wf import add_wait
from cadence.cli.output import Context, paint
from cadence.errors import CONFLICT, USAGE, CadenceError

CLIENT_CHOICES = ("claude", "opencode", "codex", "gemini")


def _clients_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--client", action="append", metavar="C", dest="clients",
                   help="claude | opencode | codex | gemini (repeat, or comma-separate); "
                        "default: config 'clients', else the ones on PATH, else claude")
    p.add_argument("--scope", choices=("project", "user"), default="project",
                   help="project files (default) or the user's config dirs (~/.claude, ~/.config/opencode, …)")
    p.add_argument("--dry-run", action="store_true", help="print the plan; write nothing")


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    out = [v.strip() for raw in values for v in raw.split(",") if v.strip()]
    return out or None


def _root_for(ctx: Context, scope: str) -> Path | None:
    root = ctx.root()
    if scope == "user" and not (root / ".cadence").is_dir():
        return None
    return root


SYMBOL = {"create": ("+", "32"), "update": ("~", "33"), "overwrite": ("!", "33"), "keep": ("=", "2"),
          "conflict": ("!", "31"), "remove": ("-", "31"), "restore": ("↺", "36"), "missing": ("?", "2"),
          "kept-modified": ("!", "33"), "keep-shared": ("=", "2")}


def render_plan(data: dict[str, Any], verb: str, verbose: bool = False) -> str:
    """One line per shared file and per conflict; whole files grouped by folder unless --verbose."""
    lines = []
    groups: dict[tuple[str, str], int] = {}
    for p in data["plan"]:
        if p["action"] in ("keep", "keep-shared") and not verbose:
            continue
        if not verbose and p["type"] == "file" and p["action"] in ("create", "update", "remove", "restore"):
            parts = p["path"].split("/")
            folder = "/".join(parts[:3 if parts[0] == ".config" else 2][:len(parts) - 1]) or "."
            groups[(p["action"], folder)] = groups.get((p["action"], folder), 0) + 1
            continue
        sym, colour = SYMBOL.get(p["action"], ("·", "2"))
        lines.append(f"  {paint(sym, colour)} {p['action']:<13} {p['path']}"
                     + (f"  ({p['type']})" if p["type"] != "file" else ""))
    for (action, folder), n in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        sym, colour = SYMBOL.get(action, ("·", "2"))
        lines.append(f"  {paint(sym, colour)} {action:<13} {folder}/  ({n} file{'s' if n != 1 else ''})")
    counts = ", ".join(f"{n} {a}" for a, n in sorted(data["counts"].items())) or "nothing to do"
    done = {"install": "installed", "uninstall": "uninstalled"}[verb]
    head = f"{'would ' + verb if data.get('dry_run') else done} for {', '.join(data['clients']) or 'no client'}" \
           f" ({data['scope']} scope): {counts}"
    return "\n".join([head, *lines])


# ---------------------------------------------------------------- install / uninstall

def add_install(p: argparse.ArgumentParser) -> None:
    _clients_arg(p)
    p.add_argument("--force", action="store_true", help="overwrite files and keys you changed by hand")
    p.add_argument("--all", action=argparse.BooleanOptionalAction, default=None, dest="everything",
                   help="every step's command, every skill pack and every MCP tool by name, whatever the project "
                   "uses (remembered in the manifest; --no-all goes back to what the project uses)")
    p.add_argument("--verbose", "-v", action="store_true", help="also list unchanged files")
    add_wait(p)
    p.set_defaults(func=cmd_install)


def cmd_install(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.clients.install import install
    data = install(_root_for(ctx, args.scope), _split(args.clients), args.scope, args.dry_run, args.force,
                   args.everything)
    ctx.warnings.extend(data.pop("warnings"))
    text = render_plan(data, "install", args.verbose)
    if not args.dry_run and any(p["action"] == "create" for p in data["plan"]):
        text += "".join(f"\n  note: {n}" for n in data["notes"])
    return data, text


def add_uninstall(p: argparse.ArgumentParser) -> None:
    _clients_arg(p)
    p.add_argument("--verbose", "-v", action="store_true", help="also list unchanged files")
    add_wait(p)
    p.set_defaults(func=cmd_uninstall)


def cmd_uninstall(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.clients.uninstall import uninstall
    data = uninstall(_root_for(ctx, args.scope), _split(args.clients), args.scope, args.dry_run)
    ctx.warnings.extend(data.pop("warnings"))
    if data.get("message"):
        return data, data["message"]
    text = render_plan(data, "uninstall", args.verbose)
    if data.get("left_modified"):
        text += "\n  left files you changed: " + ", ".join(data["left_modified"])
    return data, text


def install_for_init(ctx: Context, root: Path, clients: list[str]) -> dict[str, Any]:
    """What `cadence init` calls for its configured clients (the same function as `cadence install`).

    The project is initialised by then, so a failure here (say, a broken opencode.json) becomes a
    warning with the fix, not a failed init."""
    from cadence.clients.install import install
    try:
        data = install(root, clients, "project")
    except CadenceError as err:
        ctx.warn(f"client installation failed: {err.message}. {err.hint} Then run 'cadence install'.")
        return {"error": err.to_dict()}
    ctx.warnings.extend(data.pop("warnings"))
    return data


# ---------------------------------------------------------------- configure

def add_configure(p: argparse.ArgumentParser) -> None:
    from cadence.cli.output import sub
    subs = sub(p, "what")
    m = subs.add_parser("models", help="per-role models, rendered where a client supports a per-agent model")
    m.add_argument("--primary", help="model for primary agents (e.g. opus, anthropic/claude-opus-4-5, gpt-5)")
    m.add_argument("--subagent", help="model for sub-agents")
    m.add_argument("--agent", action="append", metavar="NAME=MODEL", default=[], help="one agent's model (repeat)")
    m.add_argument("--clear", action="store_true", help="remove every model setting")
    add_wait(m)
    m.add_argument("--no-install", action="store_true", help="do not re-render the installed clients")
    p.set_defaults(func=cmd_configure)


def _model_value(value: str, what: str) -> str:
    import re
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}", value):
        raise CadenceError("INVALID_MODEL", f"invalid {what} model {value[:100]!r}",
                           "Use a model id such as sonnet, anthropic/claude-sonnet-4-5 or gpt-5.", USAGE)
    return value


def cmd_configure(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.content.loader import load_agents, pipeline_index
    from cadence.project import paths
    from cadence.project.config import dump_config, load_config
    from cadence.project.fsio import atomic_write
    from cadence.project.lock import project_lock
    root = ctx.root()
    paths.require_project(root)
    agents, _ = load_agents()
    per: dict[str, str] = {}
    for item in args.agent:
        name, sep, model = item.partition("=")
        if not sep or not name:
            raise CadenceError("USAGE", f"--agent {item!r} must be NAME=MODEL", "Example: --agent security=opus", USAGE)
        if name not in agents:
            from cadence.errors import did_you_mean
            raise CadenceError("UNKNOWN_AGENT", f"unknown agent {name!r}",
                               (did_you_mean(name, list(agents)) + " Agents: " + ", ".join(sorted(agents))).strip(),
                               USAGE)
        per[name] = _model_value(model, name)
    if not (args.primary or args.subagent or per or args.clear):
        raise CadenceError("USAGE", "nothing to configure",
                           "Pass --primary, --subagent, --agent NAME=MODEL or --clear.", USAGE)
    with project_lock(root, "configure models"):
        cfg, _ = load_config(root, tuple(pipeline_index()["steps"]))
        models: dict[str, Any] = {} if args.clear else dict(cfg.get("models") or {})
        if args.primary:
            models["primary"] = _model_value(args.primary, "primary")
        if args.subagent:
            models["subagent"] = _model_value(args.subagent, "subagent")
        if per:
            models["agents"] = {**(models.get("agents") or {}), **per}
        if models:
            cfg["models"] = models
        else:
            cfg.pop("models", None)
        atomic_write(root, root / paths.CONFIG, dump_config(cfg))
    data: dict[str, Any] = {"models": models}
    lines = [f"{paint('✓', '32')} models: " + (", ".join(f"{k}={v}" for k, v in models.items() if k != "agents")
                                               or "client defaults")]
    lines += [f"  {a}: {m}" for a, m in (models.get("agents") or {}).items()]
    if not args.no_install and (root / paths.MANIFEST).is_file():
        from cadence.clients.install import install
        from cadence.clients.manifest import drift
        clients = drift(root)["clients"]
        if clients:
            res = install(root, clients, "project")
            ctx.warnings.extend(res.pop("warnings"))
            data["install"] = res
            lines.append(f"  re-rendered for {', '.join(clients)}: "
                         + (", ".join(f"{n} {a}" for a, n in sorted(res["counts"].items()))))
    return data, "\n".join(lines)


# ---------------------------------------------------------------- doctor

def add_doctor(p: argparse.ArgumentParser) -> None:
    p.add_argument("--repair", action="store_true",
                   help="fix what is safe (restore or re-derive state.json, reinstall missing unmodified files)")
    p.add_argument("--no-server", action="store_true", help="skip starting the MCP server")
    add_wait(p)
    p.set_defaults(func=cmd_doctor)


def client_checks(root: Path, repair: bool, server: bool = True) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    import shutil
    import subprocess

    from cadence.clients import ORDER, renderer
    from cadence.clients.install import repair as repair_files
    from cadence.clients.manifest import drift
    checks: list[dict[str, Any]] = []
    repairs: list[dict[str, Any]] = []
    try:
        d = drift(root)
    except CadenceError as err:
        return [{"name": "manifest", "ok": False, "message": err.message, "fix": err.hint}], []
    if repair and d["missing"]:
        fixed = repair_files(root)
        if fixed:
            repairs.append({"action": "reinstalled", "files": fixed})
            d = drift(root)
    if not d["installed"]:
        checks.append({"name": "manifest", "ok": True, "message": "no client installed (run 'cadence install')"})
    else:
        problems = []
        if d["modified"]:
            problems.append(f"{len(d['modified'])} changed by hand ({', '.join(d['modified'][:3])}"
                            + ("…" if len(d["modified"]) > 3 else "") + ")")
        if d["missing"]:
            problems.append(f"{len(d['missing'])} missing ({', '.join(d['missing'][:3])})")
        checks.append({"name": "manifest", "ok": not d["missing"],
                       "message": f"{d['entries']} artifacts for {', '.join(d['clients'])}"
                       + ("; " + "; ".join(problems) if problems else ", all as installed"),
                       "fix": "Run 'cadence doctor --repair' to reinstall missing files." if d["missing"] else ""})
        try:
            from cadence.clients.install import install
            plan = install(root, d["clients"], "project", dry_run=True)
            todo = [p["path"] for p in plan["plan"] if p["action"] in ("create", "update", "remove")]
            if todo:
                checks.append({"name": "up-to-date", "ok": True, "warning": True,
                               "message": f"{len(todo)} file(s) differ from what this cadence renders "
                               f"({', '.join(todo[:3])}{'…' if len(todo) > 3 else ''}); "
                               "run 'cadence install' to update"})
        except CadenceError as err:
            checks.append({"name": "up-to-date", "ok": False, "message": err.message, "fix": err.hint})
        if d["stale"]:
            checks.append({"name": "version", "ok": True, "warning": True,
                           "message": f"{len(d['stale'])} artifact(s) from another cadence version; "
                           "'cadence install' upgrades them"})
        if d["pending"]:
            checks.append({"name": "pending", "ok": True, "warning": True,
                           "message": "new versions waiting beside your edits: " + ", ".join(d["pending"][:5])})
    for item in d["legacy"]:
        checks.append({"name": f"format:{item['client']}", "ok": False, "message": f"{item['path']}: {item['message']}",
                       "fix": "Move or delete the legacy files; cadence renders the current format."})
    configured = list(d["clients"])
    try:
        from cadence.content.loader import pipeline_index
        from cadence.project.config import load_config
        cfg, _ = load_config(root, tuple(pipeline_index()["steps"]))
        configured += [c for c in cfg.get("clients") or [] if c not in configured]
    except CadenceError:
        pass
    for c in ORDER:
        if c not in configured:
            continue
        r = renderer(c)
        path = shutil.which(r.binary)
        if not path:
            checks.append({"name": f"client:{c}", "ok": True, "warning": True,
                           "message": f"{r.title}: '{r.binary}' not on PATH "
                           "(files are installed; install the client to use them)"})
            continue
        try:
            out = subprocess.run([path, *r.version_args], capture_output=True, text=True, timeout=20,
                                 stdin=subprocess.DEVNULL)
            ver = (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else "?"
            checks.append({"name": f"client:{c}", "ok": True, "message": f"{r.title} {ver}"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            checks.append({"name": f"client:{c}", "ok": False, "message": f"{r.title}: {exc}",
                           "fix": f"Reinstall {r.title}."})
    from cadence.clients.doctor import read_only_checks
    checks += read_only_checks(d["clients"])
    if server and d["installed"]:
        checks += server_checks(root, [c for c in ORDER if c in d["clients"]])
    return checks, repairs


def server_checks(root: Path, clients: list[str]) -> list[dict[str, Any]]:
    """Start the MCP server exactly as each installed client's config says, and ask it for tools/list.

    Clients that register the same command share one probe."""
    import shlex

    from cadence.clients.doctor import command_problem, registered_servers
    from cadence.clients.probe import list_tools
    fix = ("Run 'cadence install' again (it writes an absolute interpreter path when 'cadence' is not on PATH), "
           "or set CADENCE_MCP_COMMAND to an absolute command before it.")
    checks: list[dict[str, Any]] = []
    probed: dict[tuple[str, ...], dict[str, Any]] = {}
    for reg in registered_servers(root, clients):
        name = f"mcp:{reg['client']}"
        if "error" in reg:
            checks.append({"name": name, "ok": False, "message": reg["error"], "fix": fix})
            continue
        command = reg["command"]
        shown = shlex.join(command)
        problem = command_problem(command)
        if problem and problem[0] == "fail":
            checks.append({"name": name, "ok": False, "message": f"{reg['file']} runs {shown}: {problem[1]}",
                           "fix": fix})
            continue
        key = tuple(command)
        if key not in probed:
            tier, base = "standard", command  # the probe adds its own --tools and --root
            if "--tools" in command[:-1]:
                i = command.index("--tools")
                tier, base = command[i + 1], command[:i] + command[i + 2:]
            try:
                res = list_tools(root, tier, command=base)
                probed[key] = {"ok": True, "message": f"answers tools/list ({len(res['tools'])} tools, "
                               f"{res['seconds']:.1f}s)"}
            except CadenceError as err:
                probed[key] = {"ok": False, "message": err.message, "fix": err.hint}
        res = probed[key]
        check = {"name": name, "ok": res["ok"], "message": f"{reg['file']} runs {shown}: {res['message']}"}
        if not res["ok"]:
            check["fix"] = res["fix"]
        elif problem:
            check.update(warning=True, message=check["message"] + f"; but {problem[1]}", fix=fix)
        checks.append(check)
    return checks


def check_line(c: dict[str, Any]) -> str:
    """✓ fine, ! works but needs attention, ✗ failed, – not checked (and why)."""
    if not c["ok"]:
        sym = paint("✗", "31")
    elif c.get("warning"):
        sym = paint("!", "33")
    elif c.get("skipped"):
        sym = paint("–", "2")
    else:
        sym = paint("✓", "32")
    fix = c.get("fix") if not c["ok"] or c.get("warning") else None
    return f"{sym} {c['name']}: {c['message']}" + (f"\n    fix: {fix}" if fix else "")


def cmd_doctor(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.clients.doctor import doctor
    root = ctx.root()
    data = doctor(root, repair=args.repair)
    checks, repairs = client_checks(root, args.repair, server=not args.no_server)
    data["checks"] += checks
    data["repairs"] += repairs
    data["ok"] = all(c["ok"] for c in data["checks"])
    lines = [check_line(c) for c in data["checks"]]
    for r in data["repairs"]:
        if r["action"] in ("reinstalled", "cleaned"):
            what = "reinstalled" if r["action"] == "reinstalled" else "removed"
            lines.append(f"repaired: {what} {len(r['files'])} " + ("missing file(s)" if what == "reinstalled" else
                                                                    "leftover temporary file(s)"))
            continue
        detail = (f" from {r['from']}" if r.get("from") else f": {len(r['fixes'])} field(s) reset" if "fixes" in r
                  else f" ({len(r['completed'])} step(s) completed from outputs on disk)" if "completed" in r
                  else f": {r.get('message') or r.get('next', '')}")
        lines.append(f"repaired {r.get('file', 'state')}: {r['action']}{detail}"
                     + (f" (broken copy kept as {r['kept_corrupt_copy']})" if r.get("kept_corrupt_copy") else ""))
    if not data["ok"]:
        # the report is the result (stdout); the error is one line naming what failed (stderr / JSON)
        failed = [c["name"] for c in data["checks"] if not c["ok"]]
        if not ctx.json:
            sys.stdout.write("\n".join(lines) + "\n")
        raise CadenceError("DOCTOR_PROBLEMS", f"{len(failed)} check(s) failed: {', '.join(failed)}",
                           "Run 'cadence doctor --repair' for the safe fixes.", CONFLICT, data=data)
    return data, "\n".join(lines)
