"""Shared helpers of the workflow half: the workflow config section, timestamps, JSON state files."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cadence.errors import PRECONDITION, CadenceError
from cadence.project import fsio
from cadence.project.paths import CONFIG, PLANS


def now() -> str:
    """UTC ISO timestamp with microseconds (ordering of evidence and task starts depends on it)."""
    from cadence.project.state import now as stamp
    return stamp("microseconds")


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def workflow_config(root: Path) -> dict[str, Any]:
    """The validated `workflow` section; defaults when the project has no config yet."""
    from cadence.project.config import load_config, validate_config
    if not (root / CONFIG).is_file():
        main = main_tree(root)  # a linked worktree without a config of its own follows the repository's
        if main is None or not (main / CONFIG).is_file():
            return dict(validate_config({}, ())[0]["workflow"])  # the defaults, from the one config schema
        root = main
    from cadence.content.loader import pipeline_index
    cfg, _ = load_config(root, tuple(pipeline_index()["steps"]))
    return dict(cfg["workflow"])


def main_tree(root: Path) -> Path | None:
    """The main working tree when `root` is the top of a linked worktree (its `.git` is a file and its git
    directory differs from the common one), else None. A submodule's `.git` is a file too, but it is no
    linked worktree."""
    if not (root / ".git").is_file():
        return None
    from cadence.vcs.git import git_dirs
    dirs = git_dirs(root)
    if dirs is None or dirs[0].resolve() == dirs[1] or dirs[1].name != ".git":
        return None
    return dirs[1].parent


def require_git(root: Path) -> None:
    from cadence.vcs.git import is_repo
    if not is_repo(root):
        raise CadenceError("NOT_A_GIT_REPO", f"{root} is not inside a git repository",
                           "Run 'git init' (and make a first commit), or pass --root.", PRECONDITION)


def maybe_lock(root: Path, command: str) -> Any:
    """The project lock when `root` is a cadence project; no lock (and no `.cadence/` created) otherwise."""
    import contextlib

    from cadence.project.lock import project_lock
    from cadence.project.paths import DIR
    return project_lock(root, command) if (root / DIR).is_dir() else contextlib.nullcontext()


RUNTIME_EXCLUDES = ("/.cadence/loop.json", "/.cadence/loop.json.bak", "/.cadence/gate.json", "/.cadence/sessions/",
                    "/.cadence/.lock", "/.cadence/*.bak", "/.cadence/.*.tmp", "/.worktrees/")


def exclude_runtime(root: Path) -> None:
    """In a repository that was never `cadence init`-ed (so has no managed .gitignore block), keep cadence's
    runtime state out of `git status` through the local `info/exclude` — never a committed file. Best effort."""
    from cadence.vcs import git
    try:
        top = git.toplevel(root)
        if top is None:
            return
        prefix = root.resolve().relative_to(top.resolve()).as_posix()
        lines = [("/" + prefix + p if prefix not in ("", ".") else p) for p in RUNTIME_EXCLUDES]
        common = Path(git.run_git(top, ["rev-parse", "--git-common-dir"], timeout=10).strip())
        exclude = (common if common.is_absolute() else top / common) / "info" / "exclude"
        text = exclude.read_text(encoding="utf-8") if exclude.is_file() else ""
        have = set(text.splitlines())
        missing = [ln for ln in lines if ln not in have]
        if not missing:
            return
        exclude.parent.mkdir(parents=True, exist_ok=True)
        with exclude.open("a", encoding="utf-8") as fh:
            fh.write(("" if not text or text.endswith("\n") else "\n") + "# cadence runtime state\n"
                     + "".join(ln + "\n" for ln in missing))
    except (OSError, ValueError, CadenceError):
        pass


def workflow_root(root: Path) -> Path:
    """An initialised cadence project, or a git repository (the workflow needs no pipeline config:
    its `workflow` settings default when `.cadence/config.yml` is absent). Shared by CLI and MCP.
    A linked worktree that has no `.cadence/` of its own gets the repository's plans and config copied
    in on first use, as `worktree create` does, so it sees the repo's plans."""
    if not (root / CONFIG).is_file():
        require_git(root)  # outside git and without a config: "not a git repository", never NOT_INITIALIZED
        main = main_tree(root)
        if main is not None and not (root / ".cadence").exists():
            share_cadence(main, root)
        exclude_runtime(root)
    return root


def share_cadence(main: Path, dest: Path, warnings: list[str] | None = None) -> list[str]:
    """Give the worktree the repo's config and plans when they are not committed (so it sees the plans)."""
    warnings = [] if warnings is None else warnings
    wanted = [CONFIG] if (main / CONFIG).is_file() else []
    try:
        wanted += [f"{PLANS}/{p.name}" for p in fsio.listdir(main, main / PLANS, "*.md")]
    except CadenceError as err:
        warnings.append(f"plans not shared: {err.message}")
    copied = []
    for rel in wanted:
        try:
            if not os.path.lexists(fsio.real_path(dest, dest / rel)):
                fsio.copy_file(main, main / rel, dest, dest / rel)
                copied.append(rel)
        except CadenceError as err:
            warnings.append(f"not shared: {err.message}")
        except OSError:
            continue
    return copied
