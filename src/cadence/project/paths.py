"""Where things live in a user's repository, and containment of user-supplied paths."""

from __future__ import annotations

import os
import re
from pathlib import Path

from cadence.errors import PRECONDITION, USAGE, CadenceError

DIR = ".cadence"
CONFIG = f"{DIR}/config.yml"
STATE = f"{DIR}/state.json"
DECISIONS = f"{DIR}/decisions.jsonl"
INSTRUCTIONS = f"{DIR}/instructions"
KNOWLEDGE = f"{DIR}/knowledge"
PLANS = f"{DIR}/plans"
LOOP = f"{DIR}/loop.json"
GATE = f"{DIR}/gate.json"
SESSIONS = f"{DIR}/sessions"
MANIFEST = f"{DIR}/manifest.json"
LOCK = f"{DIR}/.lock"
WORKTREES = ".worktrees"

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def find_root(explicit: str | None = None) -> Path:
    if explicit:
        root = Path(explicit).expanduser()
        if not root.is_dir():
            raise CadenceError("ROOT_NOT_FOUND", f"--root {explicit!r} is not a directory",
                               "Pass an existing project directory.", USAGE)
        return root.resolve()
    # The nearest `.cadence/` between here and the current git working tree's top level, else that top level:
    # never beyond it, so a nested repository (a vendored clone, a submodule) and a linked worktree (whose
    # `.git` is a file) are projects of their own, not the enclosing one. Outside git: the nearest `.cadence/`.
    cwd = Path.cwd()
    for d in (cwd, *cwd.parents):
        if (d / DIR).is_dir() or (d / ".git").exists():
            return d
    return cwd


def require_project(root: Path) -> None:
    if not (root / CONFIG).is_file():
        raise CadenceError("NOT_INITIALIZED", f"no cadence project at {root} (missing {CONFIG})",
                           "Run 'cadence init' in your repository, or pass --root DIR.", PRECONDITION)


def validate_name(value: str, what: str = "name") -> str:
    """A plain file-name-like identifier: no separators, no '..', no leading dot or dash, no control chars."""
    if not isinstance(value, str) or not NAME_RE.fullmatch(value) or ".." in value:
        raise CadenceError("INVALID_NAME", f"invalid {what}: {value!r}",
                           "Use letters, digits, '.', '_' or '-' (start with a letter or digit, "
                           "at most 128 characters, no '/' or '..').", USAGE)
    return value


def contained(root: Path, rel: str | os.PathLike[str], what: str = "path") -> Path:
    """Resolve `rel` under `root`, refusing anything (including symlinks) that escapes it."""
    raw = str(rel)
    if "\x00" in raw or raw.strip() == "":
        raise CadenceError("INVALID_PATH", f"invalid {what}: {raw!r}", "Give a path inside the project.", USAGE)
    candidate = Path(os.path.realpath(root / raw))  # never raises on a symlink loop (opening it is refused)
    base = Path(os.path.realpath(root))
    if candidate != base and base not in candidate.parents:
        raise CadenceError("PATH_OUTSIDE_PROJECT", f"{what} {raw!r} is outside the project {base}",
                           "Only paths inside the repository are allowed.", USAGE)
    return candidate
