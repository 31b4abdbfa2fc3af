"""Health checks of a project, and the safe repairs (`cadence doctor --repair`)."""

from __future__ import annotations

from pathlib import Path

from cadence.errors import CadenceError
from cadence.project import fsio, paths

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def check_state(root: Path) -> dict[str, Any]:
    from cadence.project.state import load_state
    try:
        state = load_state(root)
        return {"name": "state", "ok": True, "message": f"{paths.STATE} is valid ({len(state['steps'])} steps)"}
    except CadenceError as err:
        return {"name": "state", "ok": False, "message": err.message, "fix": err.hint}


def check_config(root: Path) -> dict[str, Any]:
    from cadence.content.loader import pipeline_index
    from cadence.project.config import load_config
    try:
        load_config(root, tuple(pipeline_index()["steps"]))
        return {"name": "config", "ok": True, "message": f"{paths.CONFIG} is valid"}
    except CadenceError as err:
        return {"name": "config", "ok": False, "message": err.message, "fix": err.hint}


def check_loop(root: Path) -> dict[str, Any]:
    from cadence.project.loopfile import load_loop
    try:
        state = load_loop(root)
    except CadenceError as err:
        return {"name": "loop", "ok": False, "message": err.message, "fix": err.hint}
    return {"name": "loop", "ok": True,
            "message": f"{paths.LOOP} is valid" if state is not None else "no implementation loop"}


def _read(root: Path, path: Path) -> str | None:
    try:
        return fsio.read_text(root, path)
    except (CadenceError, OSError, UnicodeDecodeError):
        return None


def repair_state(root: Path) -> dict[str, Any]:
    """Restore state.json from its .bak when that is valid; else keep what is valid in it (a bad field or step
    entry is reset); else re-derive it from the outputs on disk. The broken file is kept as state.json.corrupt."""
    from cadence.project.state import parse_state, salvage_state, save_state
    backup = _read(root, root / (paths.STATE + ".bak"))
    if backup is not None:
        try:
            state = parse_state(backup, paths.STATE + ".bak")
        except CadenceError:
            state = None
        if state is not None:
            # Move the broken file aside first: saving over it would hard-link it to state.json.bak and
            # destroy the very backup being restored.
            kept = _set_aside(root, paths.STATE)
            save_state(root, state)
            return {"action": "restored", "from": paths.STATE + ".bak", "steps": len(state["steps"]),
                    "kept_corrupt_copy": kept}
    current = _read(root, root / paths.STATE)
    salvaged = salvage_state(current) if current is not None else None
    if salvaged is not None:
        state, fixes = salvaged
        kept = _set_aside(root, paths.STATE)
        save_state(root, state)
        return {"action": "salvaged", "fixes": fixes[:50], "steps": len(state["steps"]), "kept_corrupt_copy": kept}
    return {"action": "re-derived", **rederive_state(root)}


def repair_loop(root: Path) -> dict[str, Any]:
    """Restore loop.json from its .bak when that is valid; else keep what is valid in it (bad attempts and
    evidence dropped, bad fields reset); else set it aside (the loop is started again from its plan)."""
    import json

    from cadence.core import loop as core
    from cadence.project.loopfile import save_loop
    for source in (paths.LOOP + ".bak", paths.LOOP):
        text = _read(root, root / source)
        try:
            data = json.loads(text) if text is not None else None
        except (ValueError, RecursionError):
            data = None
        if source.endswith(".bak"):
            if data is not None and not core.problems(data):
                kept = _set_aside(root, paths.LOOP)
                save_loop(root, core.validate(data))
                return {"action": "restored", "from": source, "kept_corrupt_copy": kept}
            continue
        salvaged = core.salvage(data) if data is not None else None
        if salvaged is not None:
            state, fixes = salvaged
            kept = _set_aside(root, paths.LOOP)
            save_loop(root, state)
            return {"action": "salvaged", "fixes": fixes[:50], "kept_corrupt_copy": kept}
    return {"action": "set-aside", "kept_corrupt_copy": _set_aside(root, paths.LOOP),
            "next": "Start the loop again: 'cadence loop start PLAN'."}


def _set_aside(root: Path, name: str) -> str | None:
    broken = root / name
    if not broken.exists():
        return None
    broken.replace(root / (name + ".corrupt"))
    return name + ".corrupt"


def rederive_state(root: Path) -> dict[str, Any]:
    """A fresh state in which every enabled step whose outputs all exist counts as completed."""
    from cadence.content.loader import pipeline_index
    from cadence.core.resolve import resolve
    from cadence.pipeline.detect import project_mode
    from cadence.pipeline.project import output_exists
    from cadence.project.config import load_config
    from cadence.project.state import new_state, now, save_state
    index = pipeline_index()
    config, _ = load_config(root, tuple(index["steps"]))
    pipeline = resolve(index, config)
    steps = [s for s in pipeline.stateful() if s.enabled]
    state = new_state(config["methodology"], project_mode(root)["mode"], [s.name for s in steps])
    completed = []
    for s in steps:
        depth = pipeline.depth_for(s.name)[0]
        required = s.required_outputs(depth)
        if required and all(output_exists(root, o) for o in required):
            state["steps"][s.name] = {"status": "completed", "at": now(), "depth": depth, "source": "adopt",
                                      "outputs": required, "reason": None}
            completed.append(s.name)
    kept = _set_aside(root, paths.STATE)
    save_state(root, state)
    return {"completed": completed, "steps": len(state["steps"]), "kept_corrupt_copy": kept}


def read_only_checks(clients: list[str]) -> list[dict[str, Any]]:
    """A warning for each installed client that does not enforce cadence's read-only agents: the check
    passes (nothing to repair in the project) but says the boundary is only the agent's instructions."""
    from cadence.clients import renderer
    return [{"name": f"read-only:{c}", "ok": True, "warning": True, "message": renderer(c).read_only_note + ".",
             "fix": "Review what its sub-agents change, or run the read-only reviews in a client that enforces "
                    "them (Claude Code, OpenCode)."}
            for c in clients if renderer(c).read_only_note]


def doctor(root: Path, repair: bool = False) -> dict[str, Any]:
    """Config, state, the loop and leftovers. A `.cadence/` without config (only `install` ran, or only the
    workflow commands) gets a note in place of the config and state checks; the loop and client checks run."""
    if not (root / paths.CONFIG).is_file():
        if not (root / paths.DIR).is_dir():
            paths.require_project(root)
        checks = [{"name": "config", "ok": True, "skipped": True,
                   "message": f"no {paths.CONFIG}: config and state checks skipped (the pipeline is not set up; "
                              "'cadence init' adds it beside what is here)"}, check_loop(root)]
        repairs = []
        if repair and not checks[1]["ok"]:
            from cadence.project.lock import project_lock
            with project_lock(root, "doctor --repair"):
                repairs.append({"file": paths.LOOP, **repair_loop(root)})
            checks[1] = check_loop(root)
        return {"ok": all(c["ok"] for c in checks), "checks": [*checks, check_litter(root)], "repairs": repairs}
    checks = [check_config(root), check_state(root), check_loop(root)]
    repairs = []
    if repair and not (checks[1]["ok"] and checks[2]["ok"]):
        from cadence.project.lock import project_lock
        with project_lock(root, "doctor --repair"):
            if not checks[1]["ok"]:
                try:
                    repairs.append({"file": paths.STATE, **repair_state(root)})
                except CadenceError as err:  # re-deriving needs a valid config
                    repairs.append({"file": paths.STATE, "action": "failed", "message": err.message})
            if not checks[2]["ok"]:
                repairs.append({"file": paths.LOOP, **repair_loop(root)})
        checks[1], checks[2] = check_state(root), check_loop(root)
    if repair:
        removed = fsio.clean_project_litter(root)
        if removed:
            repairs.append({"action": "cleaned", "files": removed})
    checks.append(check_litter(root))
    if checks[0]["ok"] and checks[1]["ok"]:
        checks.append(check_completions(root))
    return {"ok": all(c["ok"] for c in checks), "checks": checks, "repairs": repairs}


def check_litter(root: Path) -> dict[str, Any]:
    """Temp files and `.cadence.init-*/` dirs left by killed writes: harmless (ignored by git), but reported."""
    found = [p.relative_to(root).as_posix() for p in fsio.project_litter(root)]
    if not found:
        return {"name": "leftovers", "ok": True, "message": "no temporary files left by interrupted writes"}
    return {"name": "leftovers", "ok": True,
            "message": f"{len(found)} temporary file(s) left by interrupted writes ({', '.join(found[:3])}"
            + ("…" if len(found) > 3 else "") + "); 'cadence doctor --repair' removes them"}


def check_completions(root: Path) -> dict[str, Any]:
    """Completed steps whose files no longer pass the live check (gone, or failing the step's detect:)."""
    from cadence.pipeline.adoption import stale_completions
    from cadence.pipeline.project import open_project
    stale = stale_completions(open_project(root))
    if not stale:
        return {"name": "completions", "ok": True, "message": "every completed step still passes its live check"}
    return {"name": "completions", "ok": False,
            "message": f"{len(stale)} completed step(s) no longer pass the live check: "
            + "; ".join(f"{s['step']} ({s['reason']})" for s in stale[:5]),
            "fix": "Re-run those steps (update mode) or 'cadence reset STEP'; 'cadence status' lists them."}


# ---------------------------------------------------------------- the MCP server as each client starts it

CLEAN_PATH = "/usr/local/bin:/usr/bin:/bin"  # what a client started outside the user's shell typically has


def registered_servers(root: Path, clients: list[str]) -> list[dict[str, Any]]:
    """The MCP command each installed client's project config starts: [{client, file, command} or {…, error}]."""
    import json
    import tomllib

    from cadence.clients import jsonc
    from cadence.clients.opencode import OpenCode
    files = {"claude": ".mcp.json", "opencode": OpenCode.config_file(root, ""), "codex": ".codex/config.toml",
             "gemini": ".gemini/settings.json"}
    out: list[dict[str, Any]] = []
    for client in clients:
        rel = files.get(client)
        if rel is None:
            continue
        item: dict[str, Any] = {"client": client, "file": rel}
        try:
            text = fsio.read_text(root, root / rel)
            if rel.endswith(".toml"):
                entry = (tomllib.loads(text).get("mcp_servers") or {}).get("cadence")
            else:
                doc = jsonc.loads(text) if client == "opencode" else json.loads(text)
                entry = ((doc.get("mcp") if client == "opencode" else doc.get("mcpServers")) or {}).get("cadence")
        except (OSError, UnicodeDecodeError, ValueError, AttributeError, tomllib.TOMLDecodeError) as exc:
            out.append({**item, "error": f"cannot read {rel}: {exc}"})
            continue
        if not isinstance(entry, dict):
            out.append({**item, "error": f"{rel} has no 'cadence' MCP server entry"})
            continue
        raw = entry.get("command")
        command = raw if isinstance(raw, list) else [raw, *(entry.get("args") or [])]
        if not command or not all(isinstance(c, str) and c for c in command):
            out.append({**item, "error": f"{rel}: the cadence server's command is not a list of strings"})
            continue
        out.append({**item, "command": command})
    return out


def command_problem(command: list[str]) -> tuple[str, str] | None:
    """('fail' | 'warn', why) when a registered command would not start, now or from a clean PATH."""
    import os
    import shutil
    exe = command[0]
    if os.path.isabs(exe):
        return None if os.access(exe, os.X_OK) else ("fail", f"{exe} does not exist or is not executable")
    if not shutil.which(exe):
        return "fail", f"'{exe}' is not on PATH"
    if not shutil.which(exe, path=CLEAN_PATH):
        return "warn", (f"'{exe}' is found on this shell's PATH ({shutil.which(exe)}) but not on a clean PATH "
                        f"({CLEAN_PATH}): a client started from another shell or an IDE may fail to connect")
    return None
