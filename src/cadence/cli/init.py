"""`cadence init`: flags and wizard generated from the settings table; validate, then write atomically."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cadence.cli.output import Context, paint
from cadence.core.settings import CLIENTS, METHODOLOGIES, TYPES, TYPES_BY_NAME, ProjectType, Setting
from cadence.errors import DECISION, USAGE, CadenceError

CARRIED_FILES = ("decisions.jsonl", "manifest.json", "loop.json", "gate.json")
CARRIED_DIRS = ("instructions", "knowledge", "plans", "sessions")
MVP_WORDS = ("prototype", "mvp", "quick", "hack", "simple", "basic", "minimal", "poc", "spike", "weekend")


def _dest(prefix: str, key: str) -> str:
    return f"set__{prefix}__{key}".replace("-", "_")


def add_init(p: argparse.ArgumentParser) -> None:
    p.add_argument("--methodology", help="deep | mvp | brownfield | custom (default: deep)")
    p.add_argument("--depth", type=int, help="default depth 1-5 (only with --methodology custom)")
    p.add_argument("--project-type", help="one of: " + ", ".join(TYPES_BY_NAME))
    p.add_argument("--traits", action="append", help="web, mobile, desktop (repeat or comma-separate)")
    p.add_argument("--clients", action="append", help="claude, opencode, codex, gemini (repeat or comma-separate)")
    p.add_argument("--name", help="project name (default: the directory name)")
    p.add_argument("--idea", help="a sentence about the project; suggests a methodology")
    p.add_argument("--force", action="store_true", help="back up .cadence/ and reinitialise, keeping finished steps")
    p.add_argument("--auto", action="store_true", help="never prompt (same as --no-input)")
    for t in TYPES:
        group = p.add_argument_group(f"{t.name} settings (imply --project-type {t.name})")
        for s in t.settings:
            flag, dest = t.flag(s), _dest(t.prefix, s.key)
            req = " [required]" if s.required else ""
            if s.kind == "bool":
                group.add_argument(flag, dest=dest, action=argparse.BooleanOptionalAction, default=None,
                                   help=f"{s.help} (default {str(s.default).lower()})")
            elif s.kind == "list":
                vals = f": {', '.join(s.values)}" if s.values else ""
                group.add_argument(flag, dest=dest, action="append", metavar="VALUES",
                                   help=f"{s.help}{vals} (default {','.join(s.default) or 'none'})")
            else:
                # a default computed from other settings is explained in the setting's own help
                default = "" if s.required or s.default_from else f" (default {s.default})"
                group.add_argument(flag, dest=dest, metavar="|".join(s.values), help=f"{s.help}{req}{default}")
    from cadence.cli._wf import add_wait
    add_wait(p)
    p.set_defaults(func=cmd_init)


def _csv(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    out: list[str] = []
    for v in values:
        out += [x.strip() for x in v.split(",") if x.strip()]
    return list(dict.fromkeys(out))


def _given_settings(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    given: dict[str, dict[str, Any]] = {}
    for t in TYPES:
        for s in t.settings:
            v = getattr(args, _dest(t.prefix, s.key))
            if v is None:
                continue
            given.setdefault(t.name, {})[s.key] = _csv(v) if s.kind == "list" else v
    return given


def _flag_checks(args: argparse.Namespace, given: dict[str, dict[str, Any]]) -> str | None:
    if args.depth is not None and args.methodology != "custom":
        raise CadenceError("USAGE", "--depth only applies with --methodology custom",
                           "Add --methodology custom, or drop --depth (deep runs at 5, mvp at 1).", USAGE)
    if args.depth is not None and not 1 <= args.depth <= 5:
        raise CadenceError("USAGE", f"--depth {args.depth} is out of range", "Use --depth 1 to 5.", USAGE)
    if len(given) > 1:
        fams = ", ".join(f"--{TYPES_BY_NAME[t].prefix}-*" for t in given)
        raise CadenceError("USAGE", f"flags of more than one project type: {fams}",
                           "Use the settings flags of one project type only.", USAGE)
    ptype: str | None = args.project_type
    if ptype is not None and ptype not in TYPES_BY_NAME:
        from cadence.errors import did_you_mean
        raise CadenceError("USAGE", f"--project-type {ptype!r} is not one of {', '.join(TYPES_BY_NAME)}",
                           did_you_mean(ptype, list(TYPES_BY_NAME)) or "Run 'cadence list --section project-types'.",
                           USAGE)
    if given:
        implied = next(iter(given))
        if ptype is not None and ptype != implied:
            raise CadenceError("USAGE", f"--{TYPES_BY_NAME[implied].prefix}-* flags are {implied} settings, but "
                               f"--project-type is {ptype}",
                               f"Drop --project-type or use --{TYPES_BY_NAME[ptype].prefix}-* flags.", USAGE)
        ptype = implied
    return ptype


def _flag_for(path: str) -> str | None:
    """The init flag that sets a config key path (`project.web-app.deploy-target` → `--web-deploy-target`)."""
    top = {"clients": "--clients", "project.traits": "--traits", "project.name": "--name",
           "methodology": "--methodology", "depth": "--depth", "project.type": "--project-type"}
    base = path.split("[", 1)[0]
    if base in top:
        return top[base]
    parts = base.split(".")
    if len(parts) == 3 and parts[0] == "project" and parts[1] in TYPES_BY_NAME:
        t = TYPES_BY_NAME[parts[1]]
        s = t.setting(parts[2])
        return t.flag(s) if s else None
    return None


def _as_flag_error(err: CadenceError, answers: str | None = None) -> CadenceError:
    """A config validation error raised for init's own options, told in terms of the flags, or (after the
    wizard) of the answers, given back as one command so that none of them is lost (nothing was written)."""
    if err.code != "CONFIG_INVALID" or not isinstance(err.data, dict):
        return err
    problems = []
    for p in err.data.get("errors") or []:
        path, _, rest = p.partition(":")
        flag = _flag_for(path)
        problems.append(f"{path} ({flag}):{rest}" if flag and answers is None else p)
    listing = "\n  - ".join(problems)
    hint = ("Change the flags named above and re-run; nothing was written." if answers is None else
            f"Nothing was written. Your answers as one command (edit the value named above and run it): {answers}")
    return CadenceError("CONFIG_INVALID", f"the init options have {len(problems)} problem(s):\n  - {listing}",
                        hint, USAGE, data={"errors": problems, **({"command": answers} if answers else {})})


def _conflicts(t: ProjectType, block: dict[str, Any]) -> list[str]:
    """The cross-field rules `block` (answers so far) breaks whatever the questions still to come answer.

    A rule counts as broken when it is broken both by the answers alone and by the answers completed
    with the defaults: a later answer could still satisfy a rule that only the missing keys break."""
    from cadence.core.settings import RULES, defaults_for
    full = defaults_for(t, block)
    return [r.message for r in RULES if r.type == t.name and r.broken(block) and r.broken(full)]


def _answer_problems(t: ProjectType, s: Setting, settings: dict[str, Any], value: Any) -> list[str]:
    """Why an answer to one wizard question cannot stand (its own format, then the rules), else []."""
    from cadence.project.config import Problems, _check_setting
    p = Problems()
    _check_setting(s, value, s.prompt, p)
    return p.errors or _conflicts(t, {**settings, s.key: value})


def _ask_setting(t: ProjectType, s: Setting, settings: dict[str, Any]) -> Any:
    """One settings question; options the earlier answers rule out are not offered, other bad answers re-asked."""
    from cadence.cli import prompts
    from cadence.core.settings import defaults_for
    default = defaults_for(t, settings).get(s.key)
    while True:
        if s.kind == "bool":
            value: Any = prompts.confirm(s.prompt + "?", bool(default))
        elif s.kind == "list" and s.values:
            value = prompts.choose_many(s.prompt + "?", s.values, default or [])
        elif s.kind == "list":
            raw = prompts.text(s.prompt + " (comma-separated)", ",".join(default or []))
            value = [x.strip() for x in raw.split(",") if x.strip()]
        else:
            offered = [v for v in s.values if not _conflicts(t, {**settings, s.key: v})] or list(s.values)
            left_out = "".join(f"\n  (not offered: {v}; {_conflicts(t, {**settings, s.key: v})[0]})"
                               for v in s.values if v not in offered)
            value = prompts.choose(s.prompt + "?" + left_out, offered, default if default in offered else offered[0])
        problems = _answer_problems(t, s, settings, value)
        if not problems:
            return value
        for msg in problems:
            print(f"  ✗ {msg}")
        print("  Please answer this question again.")


def _as_command(args: argparse.Namespace, methodology: str, depth: int | None, ptype: str | None,
                settings: dict[str, Any], clients: list[str]) -> str:
    """The answers given so far as one `cadence init` command, so a failed run never loses them."""
    import shlex
    cmd = ["cadence", "init", "--methodology", methodology]
    if depth is not None:
        cmd += ["--depth", str(depth)]
    if ptype:
        t = TYPES_BY_NAME[ptype]
        cmd += ["--project-type", ptype]
        for s in t.settings:
            if s.key not in settings:
                continue
            v = settings[s.key]
            if s.kind == "bool":
                cmd.append(t.flag(s) if v else f"--no-{t.flag(s)[2:]}")
            else:
                cmd += [t.flag(s), ",".join(v) if isinstance(v, list) else str(v)]
    cmd += ["--clients", ",".join(clients)] if clients else []
    if args.name:
        cmd += ["--name", args.name]
    if args.traits:
        cmd += ["--traits", ",".join(_csv(args.traits) or [])]
    return shlex.join(cmd)


def _wizard(ctx: Context, root: Path, args: argparse.Namespace, ptype: str | None,
            settings: dict[str, Any], suggestion: str) -> tuple[str, int | None, str | None, dict[str, Any], list[str]]:
    from cadence.cli import prompts
    from cadence.content.loader import pipeline_index
    from cadence.pipeline.detect import type_choices
    if ptype and (clash := _conflicts(TYPES_BY_NAME[ptype], settings)):  # the flags contradict each other: say so
        t = TYPES_BY_NAME[ptype]
        raise CadenceError("CONFIG_INVALID", f"the {ptype} flags contradict each other: {'; '.join(clash)}",
                           f"Change one of the {', '.join(t.flag(s) for s in t.settings if s.key in settings)} "
                           "flags and re-run; nothing was asked or written.", USAGE)
    presets = pipeline_index()["presets"]
    methodology = args.methodology or prompts.choose(
        f"Methodology (suggested: {suggestion})", METHODOLOGIES, suggestion,
        {m: presets[m]["description"] for m in METHODOLOGIES if m in presets})
    depth = args.depth
    if methodology == "custom" and depth is None:
        depth = int(prompts.choose("Default depth (1 = MVP … 5 = exhaustive)", ["1", "2", "3", "4", "5"], "3"))
    if ptype is None and args.project_type is None:
        guess, options = type_choices(root)
        choice = prompts.choose("Project type" + (f" (detected: {guess})" if guess else ""), options, guess or "none",
                                {"none": "no type-specific steps or knowledge",
                                 **{t.name: t.description for t in TYPES}})
        ptype = None if choice == "none" else choice
    if ptype:
        t = TYPES_BY_NAME[ptype]
        for s in t.settings:
            if s.key in settings:
                continue
            if s.key == "online-services" and settings.get("multiplayer") not in ("online", "hybrid"):
                continue
            settings[s.key] = _ask_setting(t, s, settings)
    clients = _csv(args.clients)
    if clients is None:
        from cadence.clients.planning import default_clients
        clients = prompts.choose_many("AI clients to set up", CLIENTS, default_clients(None))
    return methodology, depth, ptype, settings, clients


def cmd_init(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.content.loader import pipeline_index
    from cadence.pipeline.detect import project_mode
    from cadence.project import paths
    from cadence.project.config import validate_config
    if args.auto:
        ctx.no_input = True
    root = ctx.root()
    given = _given_settings(args)
    ptype = _flag_checks(args, given)
    existing = (root / paths.CONFIG).exists()  # a .cadence/ with only workflow files (plans, loop) is not initialised
    if existing and not args.force:
        raise CadenceError("ALREADY_INITIALIZED", f"{root} is already initialised ({paths.CONFIG} exists)",
                           "Use 'cadence init --force' to back it up and reinitialise (finished steps are kept).",
                           USAGE)
    idea = (args.idea or "").lower()
    suggestion = "mvp" if any(w in idea.replace("-", " ").split() for w in MVP_WORDS) else "deep"
    mode = project_mode(root)
    if ctx.interactive and not idea and mode["mode"] == "brownfield":
        suggestion = "brownfield"  # existing code: start with what pays off on it first
    settings = dict(given.get(ptype or "", {}))
    detection = None
    if not ctx.interactive:
        ptype, settings, detection = detected_type(root, ptype, args.project_type is not None, settings)
    answers: str | None = None
    if ctx.interactive:
        methodology, depth, ptype, settings, clients = _wizard(ctx, root, args, ptype, settings, suggestion)
        answers = _as_command(args, methodology, depth, ptype, settings, clients)
    else:
        methodology = args.methodology or (suggestion if args.idea else "deep")
        depth = args.depth
        clients = _csv(args.clients) or []  # scripts get no client files they did not ask for; the output says how
        if ptype:
            t = TYPES_BY_NAME[ptype]
            missing = [s for s in t.settings if s.required and s.key not in settings]
            if missing:
                flag = t.flag(missing[0])
                raise CadenceError("MISSING_SETTING", f"{flag} is required for {ptype} projects",
                                   f"Pass {flag} {'|'.join(missing[0].values)}, or run 'cadence init' in a "
                                   "terminal to be asked.", USAGE)
    if methodology not in METHODOLOGIES:
        from cadence.errors import did_you_mean
        raise CadenceError("USAGE", f"--methodology {methodology!r} is not one of {', '.join(METHODOLOGIES)}",
                           did_you_mean(methodology, list(METHODOLOGIES)) or "Use one of those.", USAGE)
    raw: dict[str, Any] = {"version": 1, "methodology": methodology, "clients": clients,
                           "project": {"name": args.name or root.name, "traits": _csv(args.traits) or []}}
    if depth is not None:
        raw["depth"] = depth
    if ptype:
        raw["project"]["type"] = ptype
        raw["project"][ptype] = settings
    index = pipeline_index()
    try:
        config, warnings = validate_config(raw, tuple(index["steps"]))  # everything is checked before any write
    except CadenceError as err:
        raise _as_flag_error(err, answers) from None
    ctx.warnings.extend(warnings)
    if existing:  # --force: no other cadence process may write the state being carried over and replaced
        from cadence.project.lock import project_lock
        with project_lock(root, "init --force"):
            data = write_project(root, config, mode["mode"], index, keep_finished=True)
    else:
        data = write_project(root, config, mode["mode"], index, keep_finished=args.force)
    data["evidence"] = mode["evidence"]
    data["detection"] = detection
    if clients:
        from cadence.cli.clients import install_for_init
        data["install"] = install_for_init(ctx, root, clients)
    lines = [f"{paint('✓', '32')} cadence initialised in {root} ({config['methodology']}"
             + (f", {ptype}" if ptype else "") + f", {mode['mode']})"]
    if data["backup"]:
        lines.append(f"  backed up the previous .cadence/ to {data['backup']} "
                     f"(kept {data['kept']} finished step(s))")
    if data.get("beside_workflow"):
        lines.append("  added the pipeline's config and state beside the workflow files in .cadence/ (nothing moved)")
    installed = data.get("install") or {}
    if installed.get("counts"):
        files = sum(installed["counts"].values())
        lines.append(f"  installed for {', '.join(installed['clients'])}: {files} file(s) and key(s) "
                     "(recorded in .cadence/manifest.json; 'cadence uninstall' removes them)")
        lines += [f"  note: {n}" for n in installed.get("notes", [])]
    elif not clients:
        from cadence.clients.planning import default_clients
        lines.append("  no AI client set up (no --clients): 'cadence install' installs for "
                     f"{', '.join(default_clients(root))} (the clients on PATH, else claude), "
                     "or 'cadence install --client NAME'")
    lines += detection_lines(detection, mode["mode"], args.methodology)
    lines.append("  next: cadence next")
    return data, "\n".join(lines)


# ------------------------------------------------------------------ detection in an existing repository

def detected_type(root: Path, ptype: str | None, explicit: bool,
                  settings: dict[str, Any]) -> tuple[str | None, dict[str, Any], dict[str, Any] | None]:
    """Without a type from the flags, the type detection is sure of (one match alone in the top confidence
    tier), with the settings its evidence implies; several equally plausible types are a decision for the
    user (exit 4 naming the candidates and --project-type). With a type from the flags, the settings the
    flags leave open are taken from a detection of that same type. Flags always win over detection."""
    from cadence.pipeline.detect import detect_types
    found = detect_types(root)
    if ptype is None and not explicit:
        if found["chosen"] is None and len(found["candidates"]) > 1:
            listing = "\n".join(f"  - {m['type']} ({m['confidence']}): {'; '.join(m['evidence'][:3])}"
                                for m in found["matches"] if m["type"] in found["candidates"])
            raise CadenceError("PROJECT_TYPE_AMBIGUOUS", "this repository looks like more than one project type:\n"
                               + listing, f"Pick one with --project-type {'|'.join(found['candidates'])} "
                               "(or run 'cadence init' in a terminal to be asked).", DECISION,
                               data={"candidates": found["candidates"], "matches": found["matches"]})
        if found["chosen"] is None:
            return None, settings, found if found["matches"] else None
        ptype = found["chosen"]["type"]
    match = next((m for m in found["matches"] if m["type"] == ptype), None)
    if match is None:
        return ptype, settings, found if found["matches"] else None
    return ptype, {**match["settings"], **settings}, {**found, "used": match}


def detection_lines(detection: dict[str, Any] | None, mode: str, methodology: str | None) -> list[str]:
    if not detection:
        return []
    used = detection.get("used")
    lines = []
    if used:
        lines.append(f"  detected {used['type']} ({used['confidence']} confidence): "
                     + "; ".join(used["evidence"][:4]))
    others = [m for m in detection["matches"] if not used or m["type"] != used["type"]]
    if others:
        lines.append("  also plausible: " + ", ".join(f"{m['type']} ({m['confidence']})" for m in others))
    if mode == "brownfield" and methodology is None:
        lines.append("  existing code: 'cadence adopt' shows what it already covers; --methodology brownfield "
                     "starts with the steps that pay off first")
    return lines


def write_project(root: Path, config: dict[str, Any], mode: str, index: dict[str, Any],
                  keep_finished: bool = False) -> dict[str, Any]:
    """Build the new .cadence/ in a temporary directory, then move it into place (backing up the old one)."""
    from cadence.core.resolve import resolve
    from cadence.project import fsio, paths
    from cadence.project.config import dump_config
    from cadence.project.gitignore import ensure_gitignore
    from cadence.project.state import new_state, normalise, parse_state
    pipeline = resolve(index, config)
    seeded = [s.name for s in pipeline.stateful() if s.enabled]
    state = new_state(config["methodology"], mode, seeded)
    target = root / paths.DIR
    kept = 0
    old_state: dict[str, Any] | None = None
    if keep_finished and (target / "state.json").is_file():
        try:
            old_state = parse_state(fsio.read_text(root, target / "state.json"))
        except (CadenceError, OSError, UnicodeDecodeError):
            old_state = None
    if old_state:
        for name, entry in old_state["steps"].items():
            if entry.get("status") in ("completed", "skipped") and name in index["steps"]:
                state["steps"][name] = entry
                kept += 1
    normalise(state)
    fsio.real_path(root, target)  # a .cadence/ linked out of the repository (or looping) is refused up front
    ensure_gitignore(root)  # first, so a killed init leaves only ignored litter (.cadence.init-*/)
    if target.is_dir() and not (target / "config.yml").exists():
        _add_beside(root, target, config, state)
        return {"root": str(root), "config": paths.CONFIG, "methodology": config["methodology"],
                "project_type": config["project"].get("type"), "mode": mode, "clients": config["clients"],
                "steps": len(seeded), "backup": None, "kept": kept, "beside_workflow": True}
    tmp = Path(tempfile.mkdtemp(prefix=fsio.INIT_LITTER, dir=fsio.real_path(root, root)))
    try:
        (tmp / "instructions").mkdir()
        (tmp / "knowledge").mkdir()
        (tmp / "plans").mkdir()
        (tmp / "config.yml").write_text(dump_config(config), encoding="utf-8")
        (tmp / "decisions.jsonl").write_text("", encoding="utf-8")
        fsio.atomic_write(root, tmp / "state.json", json.dumps(state, indent=1) + "\n")
        if target.exists():  # reinitialising resets the pipeline only: keep everything else cadence holds
            for name in CARRIED_FILES:
                if (target / name).is_file():
                    fsio.copy_file(root, target / name, root, tmp / name)
            for sub in CARRIED_DIRS:
                if (target / sub).is_dir():
                    shutil.rmtree(tmp / sub, ignore_errors=True)
                    shutil.copytree(fsio.real_path(root, target / sub), tmp / sub, symlinks=True)
        backup = None
        if target.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            backup_path = root / f".cadence.backup-{stamp}"
            n = 1
            while backup_path.exists():
                n += 1
                backup_path = root / f".cadence.backup-{stamp}-{n}"
            os.rename(target, backup_path)
            backup = backup_path.name
        os.rename(tmp, target)
        # mkdtemp made it 0700 and the state 0600: give them the modes the umask gave their siblings
        os.chmod(target, os.stat(target / "instructions").st_mode & 0o777)
        os.chmod(target / "state.json", os.stat(target / "config.yml").st_mode & 0o666)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsio.clean_init_litter(root)
    return {"root": str(root), "config": paths.CONFIG, "methodology": config["methodology"],
            "project_type": config["project"].get("type"), "mode": mode, "clients": config["clients"],
            "steps": len(seeded), "backup": backup, "kept": kept}


def _add_beside(root: Path, target: Path, config: dict[str, Any], state: dict[str, Any]) -> None:
    """A `.cadence/` the workflow commands made (plans, loop, gate, sessions): add the pipeline's files beside
    them, leaving every file there as it is. The config goes last: its presence is what 'initialised' means."""
    from cadence.project import fsio
    from cadence.project.config import dump_config
    from cadence.project.lock import project_lock
    with project_lock(root, "init"):
        for sub in ("instructions", "knowledge", "plans"):
            (target / sub).mkdir(exist_ok=True)
        if not (target / "decisions.jsonl").exists():
            fsio.atomic_write(root, target / "decisions.jsonl", "")
        fsio.atomic_write(root, target / "state.json", json.dumps(state, indent=1) + "\n")
        fsio.atomic_write(root, target / "config.yml", dump_config(config))
