"""Plan files on disk (`.cadence/plans/<YYYY-MM-DD>-<type>-<slug>.md`): where they are, a user-given name
resolved inside the plans directory, and a plan read and parsed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cadence.core import plan as core
from cadence.errors import PRECONDITION, USAGE, CadenceError
from cadence.project import fsio
from cadence.project.paths import PLANS, contained, validate_name


def plans_dir(root: Path) -> Path:
    return root / PLANS


def plan_path(root: Path, name: str) -> Path:
    """Resolve a user-given plan name: a plain file name inside `.cadence/plans/` (`.md` optional)."""
    if not isinstance(name, str) or not name.strip():
        raise CadenceError("INVALID_NAME", "a plan name is required", "Run 'cadence plan list' for the names.", USAGE)
    validate_name(name, "plan name")
    fname = name if name.endswith(".md") else name + ".md"
    base = plans_dir(root)
    path = contained(root, f"{PLANS}/{fname}", "plan")
    if path.parent != Path(os.path.realpath(base)):
        raise CadenceError("INVALID_NAME", f"invalid plan name: {name!r}", "Give a file name from 'cadence plan list'.",
                           USAGE)
    return path


def existing_plan(root: Path, name: str) -> Path:
    path = plan_path(root, name)
    if not path.is_file():
        from cadence.errors import did_you_mean
        names = [p.name for p in fsio.listdir(root, plans_dir(root), "*.md")]
        raise CadenceError("PLAN_NOT_FOUND", f"plan not found: {name}",
                           (did_you_mean(name, names) + " Run 'cadence plan list'.").strip(), PRECONDITION)
    return path


def read_plan(root: Path, path: Path) -> dict[str, Any]:
    try:
        text = fsio.read_bytes(root, path).decode("utf-8")
    except UnicodeDecodeError:
        raise core.PlanError(f"plan {path.name} is not UTF-8 text") from None
    except OSError as exc:
        raise core.PlanError(f"plan {path.name} is unreadable: {exc.strerror}") from None
    try:
        parsed = core.parse_plan(text)
    except core.PlanError as exc:
        raise core.PlanError(f"plan {path.name}: {exc.message}", exc.hint) from None
    parsed["text"] = text
    return parsed
