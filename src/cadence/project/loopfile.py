"""The loop's state file (`.cadence/loop.json`): read and validated, or saved atomically with a backup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cadence.core import loop as core
from cadence.errors import PRECONDITION, CadenceError
from cadence.project import fsio
from cadence.project.paths import LOOP


def load_loop(root: Path) -> dict[str, Any] | None:
    """The loop state, None when there is none; corrupt or unknown state is an error (exit 3), never 'no loop'."""
    try:
        data = fsio.read_json(root, root / LOOP, LOOP, "LOOP_CORRUPT",
                         f"Run 'cadence doctor --repair', inspect {LOOP} (a previous copy may be in {LOOP}.bak), "
                         "or start over with 'cadence loop start PLAN --force'.")
    except RecursionError:
        raise core.corrupt("nested too deeply to be a loop file") from None
    if data is None:
        return None
    return core.validate(data)


def require_loop(root: Path) -> dict[str, Any]:
    state = load_loop(root)
    if state is None:
        raise CadenceError("NO_LOOP", "no implementation loop has been started",
                           "Start one with 'cadence loop start PLAN' (see 'cadence plan list').", PRECONDITION)
    return state


def save_loop(root: Path, state: dict[str, Any]) -> None:
    fsio.atomic_write(root, root / LOOP, fsio.dumps(state), backup=True)
