"""`.cadence/state.json`: load (with migrations, in memory), atomic save with `.bak`."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path

from cadence import __version__
from cadence.errors import CONFLICT, CadenceError, shown
from cadence.project.paths import STATE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SCHEMA = 1
STATUSES = ("pending", "in_progress", "completed", "skipped")
PRIORITY = {"completed": 3, "in_progress": 2, "skipped": 1, "pending": 0}

# Step renames and retirements between versions (old → new); applied on every load, idempotent.
RENAMES = {
    "testing-strategy": "tdd",
    "implementation-tasks": "implementation-plan",
    "review-tasks": "implementation-plan-review",
    "add-playwright": "add-e2e-testing",
    "add-maestro": "add-e2e-testing",
    "multi-model-review": "automated-pr-review",
}
RETIRED = ("user-stories-multi-model-review", "claude-code-permissions", "multi-model-review-tasks")
OUTPUT_ALIASES = {"docs/prd.md": "docs/plan.md"}


def now(timespec: str = "seconds") -> str:
    """UTC ISO-8601 timestamp (the one clock of cadence's records)."""
    from datetime import datetime
    return datetime.now(UTC).isoformat(timespec=timespec)


ENTRY_DEFAULTS: dict[str, Any] = {"at": None, "depth": None, "source": None, "outputs": [], "reason": None}


def normalise(state: dict[str, Any]) -> dict[str, Any]:
    """Give every step entry the documented shape (status, at, depth, source, outputs, reason);
    extra keys (e.g. `rework_depth`) are kept."""
    for name, entry in state.get("steps", {}).items():
        full = {"status": entry.get("status", "pending")}
        for key, default in ENTRY_DEFAULTS.items():
            value = entry.get(key, default)
            full[key] = list(value) if isinstance(value, list) else value
        full.update({k: v for k, v in entry.items() if k not in full})
        state["steps"][name] = full
    return state


def new_state(methodology: str, mode: str, steps: list[str]) -> dict[str, Any]:
    return normalise({"schema": SCHEMA, "cadence": __version__, "methodology": methodology, "mode": mode,
                      "created": now(), "steps": {s: {"status": "pending"} for s in steps}})


def migrate(state: dict[str, Any]) -> bool:
    """Apply renames, retirements and output aliases in place; True when anything changed."""
    steps: dict[str, Any] = state.get("steps", {})
    changed = False
    for old, new in RENAMES.items():
        if old in steps:
            entry = steps.pop(old)
            cur = steps.get(new)
            if cur is None or PRIORITY.get(entry.get("status", "pending"), 0) > PRIORITY.get(cur.get("status"), 0):
                steps[new] = entry
            changed = True
    for name in RETIRED:
        if steps.pop(name, None) is not None:
            changed = True
    for entry in steps.values():
        outs = entry.get("outputs")
        if outs:
            mapped = [OUTPUT_ALIASES.get(o, o) for o in outs]
            if mapped != outs:
                entry["outputs"] = mapped
                changed = True
    return changed


def _corrupt(path: str, why: str) -> CadenceError:
    return CadenceError("STATE_CORRUPT", f"{path} is unreadable: {why}",
                        "Run 'cadence doctor --repair' to restore state.json.bak or re-derive state from "
                        "the outputs on disk.", CONFLICT)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


# The typed fields of a step entry: (check, what the field must be). None is allowed for all but `outputs`.
FIELD_TYPES: dict[str, tuple[Any, str]] = {
    "at": (lambda v: v is None or isinstance(v, str), "a timestamp string or null"),
    "depth": (lambda v: v is None or (_is_int(v) and 1 <= v <= 5), "an integer from 1 to 5 or null"),
    "rework_depth": (lambda v: v is None or (_is_int(v) and 1 <= v <= 5), "an integer from 1 to 5 or null"),
    "source": (lambda v: v is None or isinstance(v, str), "a string or null"),
    "outputs": (lambda v: isinstance(v, list) and all(isinstance(o, str) for o in v), "a list of strings"),
    "reason": (lambda v: v is None or isinstance(v, str), "a string or null"),
}


TOP_TEXT = ("cadence", "methodology", "mode", "created")  # top-level fields that must be strings when present


def top_problems(state: dict[str, Any]) -> list[str]:
    return [f"{k}: expected a string, found {shown(state[k])}" for k in TOP_TEXT
            if k in state and not isinstance(state[k], str)]


def entry_problems(name: str, entry: Any) -> list[str]:
    """What is wrong with one step entry, each as `steps.NAME.FIELD: …` (empty when it is well formed)."""
    where = f"steps.{name if len(name) <= 60 else name[:59] + '…'}"
    if not isinstance(entry, dict):
        return [f"{where}: expected an object, found {shown(entry)}"]
    out = []
    if entry.get("status") not in STATUSES:
        out.append(f"{where}.status: {shown(entry.get('status'))} is not one of {', '.join(STATUSES)}")
    for key, (ok, what) in FIELD_TYPES.items():
        if key in entry and not ok(entry[key]):
            out.append(f"{where}.{key}: expected {what}, found {shown(entry[key])}")
    return out


def _decode(text: str, label: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise _corrupt(label, f"invalid JSON ({exc})") from None
    except RecursionError:
        raise _corrupt(label, "nested too deeply to be a state file") from None


def parse_state(text: str, label: str = STATE) -> dict[str, Any]:
    state = _decode(text, label)
    if not isinstance(state, dict) or not isinstance(state.get("steps"), dict):
        raise _corrupt(label, "expected an object with a 'steps' mapping")
    if state.get("schema") != SCHEMA:
        raise _corrupt(label, f"unsupported schema {shown(state.get('schema'))} (expected {SCHEMA})")
    problems = top_problems(state)
    for name, entry in state["steps"].items():
        problems += entry_problems(name, entry)
    if problems:
        raise _corrupt(label, "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)" if len(problems) > 3
                                                         else ""))
    migrate(state)
    return state


def salvage_state(text: str) -> tuple[dict[str, Any], list[str]] | None:
    """Keep what is well formed in a state file that parses as JSON: a bad step entry is reset to pending,
    a bad field to its default. None when there is nothing to keep (not JSON, no `steps` mapping)."""
    try:
        state = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(state, dict) or not isinstance(state.get("steps"), dict):
        return None
    fixes = [p + " (removed)" for p in top_problems(state)]
    for k in TOP_TEXT:
        if k in state and not isinstance(state[k], str):
            del state[k]
    if state.get("schema") != SCHEMA:
        fixes.append(f"schema: {shown(state.get('schema'))} → {SCHEMA}")
        state["schema"] = SCHEMA
    steps: dict[str, Any] = {}
    for name, entry in state["steps"].items():
        problems = entry_problems(name, entry)
        if problems and (not isinstance(entry, dict) or entry.get("status") not in STATUSES):
            entry = {"status": "pending"}  # no trustworthy status: the whole entry is reset
        elif problems:
            entry = {k: v for k, v in entry.items() if k not in FIELD_TYPES or FIELD_TYPES[k][0](v)}
        fixes += [p + " (reset)" for p in problems]
        steps[str(name)] = entry
    state["steps"] = steps
    migrate(state)
    return normalise(state), fixes


def load_state(root: Path) -> dict[str, Any]:
    from cadence.project.fsio import read_text
    try:
        text = read_text(root, root / STATE)
    except FileNotFoundError:
        raise CadenceError("STATE_MISSING", f"{STATE} is missing", "Run 'cadence doctor --repair' to re-derive "
                           "it from the outputs on disk.", CONFLICT) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _corrupt(STATE, str(exc)) from None
    return parse_state(text)


def save_state(root: Path, state: dict[str, Any]) -> None:
    from cadence.project.fsio import atomic_write
    state["cadence"] = __version__
    normalise(state)
    atomic_write(root, root / STATE, json.dumps(state, indent=1, sort_keys=False) + "\n", backup=True)


def statuses(state: dict[str, Any]) -> dict[str, str]:
    return {name: entry["status"] for name, entry in state["steps"].items()}
