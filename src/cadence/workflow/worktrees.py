"""Linked worktrees under `<main root>/.worktrees/<name>` on branch `<type>/<name>`."""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path
from typing import Any

from cadence.errors import CONFLICT, PRECONDITION, USAGE, CadenceError
from cadence.project import fsio
from cadence.project.paths import CONFIG, WORKTREES, validate_name
from cadence.workflow.common import require_git, share_cadence, workflow_config

CLIENT_COMMANDS = {"claude": "claude", "opencode": "opencode", "codex": "codex", "gemini": "gemini"}


def _main_root(root: Path) -> Path:
    from cadence.vcs import git
    require_git(root)
    main = git.main_root(root)
    if main is None:
        raise CadenceError("NOT_A_GIT_REPO", f"{root} is not inside a git repository", "", PRECONDITION)
    return main


def _wt_path(main: Path, name: str) -> Path:
    validate_name(name, "worktree name")
    path = fsio.real_path(main, main / WORKTREES / name)
    if path.parent != fsio.real_path(main, main / WORKTREES):
        raise CadenceError("INVALID_NAME", f"invalid worktree name: {name!r}", "", USAGE)
    return path


def _include_patterns(main: Path, warnings: list[str]) -> list[str]:
    try:
        text = fsio.read_text(main, main / ".worktreeinclude", errors="replace")
    except OSError:
        return []
    except CadenceError as err:
        warnings.append(f".worktreeinclude: {err.message}")
        return []
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def copy_includes(main: Path, dest: Path, warnings: list[str]) -> list[str]:
    """Copy the (usually gitignored) files listed in `.worktreeinclude` into a new worktree."""
    copied: list[str] = []
    main_r = main.resolve()
    for pat in _include_patterns(main, warnings):
        rel = pat.lstrip("/")
        if ".." in Path(rel).parts or Path(pat).is_absolute() and not pat.startswith("/"):
            warnings.append(f".worktreeinclude: skipped {pat!r} (outside the repository)")
            continue
        try:
            matches = sorted(main.glob(rel))
        except (ValueError, NotImplementedError):
            warnings.append(f".worktreeinclude: skipped invalid pattern {pat!r}")
            continue
        for src in matches:
            try:
                rsrc = src.resolve()
            except (OSError, RuntimeError):  # RuntimeError: a symlink loop
                continue
            relp = src.relative_to(main)
            if main_r not in rsrc.parents or relp.parts[0] in (".git", WORKTREES):
                continue
            target = dest / relp
            try:
                if os.path.lexists(fsio.real_path(dest, target)):
                    continue
                if src.is_dir():
                    shutil.copytree(src, fsio.real_path(dest, target), symlinks=True)
                elif src.is_file():
                    fsio.copy_file(main, src, dest, target)
                else:
                    continue
            except CadenceError as err:
                warnings.append(f".worktreeinclude: skipped {relp.as_posix()}: {err.message}")
                continue
            copied.append(relp.as_posix())
    return copied


def create_worktree(root: Path, name: str, type_: str = "feature", from_ref: str | None = None) -> dict[str, Any]:
    from cadence.vcs import git
    from cadence.workflow.branches import BRANCH_TYPES, validate_branch
    from cadence.workflow.loop import run_command
    main = _main_root(root)
    path = _wt_path(main, name)
    if type_ not in BRANCH_TYPES:
        raise CadenceError("INVALID_TYPE", f"worktree type {type_!r} is not one of {', '.join(BRANCH_TYPES)}", "",
                           USAGE)
    branch = f"{type_}/{name.lower()}"
    validate_branch(branch)
    if from_ref is not None:
        validate_branch(from_ref)
        if git.rev_parse(main, from_ref) is None:
            raise CadenceError("REF_NOT_FOUND", f"--from {from_ref!r} is not a branch or commit here",
                               "List branches with 'git branch -a'.", PRECONDITION)
    if path.exists():
        raise CadenceError("WORKTREE_EXISTS", f"a worktree already exists at {path}",
                           "Use 'cadence worktree list', or remove it first.", CONFLICT)
    if not git.has_head(main):
        raise CadenceError("NO_COMMITS", "the repository has no commits yet", "Make a first commit.", PRECONDITION)
    warnings: list[str] = []
    fsio.mkdirs(main, main / WORKTREES)
    _exclude_worktrees(main)
    existing = git.branch_exists(main, branch)
    if existing:
        if from_ref:
            warnings.append(f"branch {branch} already exists; --from {from_ref} ignored")
        git.run_git(main, ["worktree", "add", str(path), branch])
    else:
        git.run_git(main, ["worktree", "add", "-b", branch, str(path), from_ref or "HEAD"])
    copied = copy_includes(main, path, warnings)
    shared = share_cadence(main, path, warnings)
    wf = workflow_config(main)
    setup = None
    cmd = (wf.get("worktree") or {}).get("setup")
    if cmd:
        res = run_command(str(cmd), path, float(wf.get("command-timeout", 600)))
        setup = {"command": cmd, "exit_code": res["exit_code"], "duration_s": res["duration_s"],
                 "tail": res["output"][-2000:]}
        if res["exit_code"] != 0:
            warnings.append(f"setup command {cmd!r} exited {res['exit_code']}")
    return {"name": name, "path": str(path), "branch": branch, "created_branch": not existing, "copied": copied,
            "shared": shared, "setup": setup, "warnings": warnings, "open": open_command(main, path)}


def list_worktrees(root: Path) -> list[dict[str, Any]]:
    from cadence.vcs import git
    main = _main_root(root)
    base = Path(os.path.realpath(main / WORKTREES))  # never raises on a symlink loop
    out = []
    for wt in git.worktree_list(main):
        p = Path(str(wt["path"])).resolve()
        out.append({"name": p.name if p.parent == base else None, "path": str(p), "branch": wt["branch"],
                    "head": wt["head"], "main": p == main.resolve(), "detached": wt["detached"],
                    "locked": wt["locked"], "prunable": wt["prunable"]})
    return out


def _merged(main: Path, branch: str) -> bool:
    """Is the branch's tip safe: reachable from the main tree's HEAD, its upstream, or origin's default?"""
    from cadence.vcs import git
    tip = git.rev_parse(main, f"refs/heads/{branch}")
    if tip is None:
        return True
    refs = ["HEAD"]
    up = git.upstream(main, branch)
    if up:
        refs.append(up)
    default = git.default_branch(main)
    if default:
        refs += [default, f"origin/{default}"]
    return any(git.rev_parse(main, r) and git.is_ancestor(main, tip, r) for r in refs)


def same_as_main(main: Path, wt: Path, rel: str) -> bool:
    try:
        return fsio.read_bytes(wt, wt / rel) == fsio.read_bytes(main, main / rel)
    except (OSError, CadenceError):
        return False


def remove_worktree(root: Path, name: str, delete_branch: bool = False, force: bool = False) -> dict[str, Any]:
    """Remove `.worktrees/<name>`: refuses a dirty worktree or an unmerged branch unless `force`.
    Works from the main tree or from inside the worktree (git runs from the main root)."""
    from cadence.vcs import git
    main = _main_root(root)
    path = _wt_path(main, name)
    entry = next((w for w in list_worktrees(main) if Path(w["path"]) == path), None)
    if entry is None:
        raise CadenceError("WORKTREE_NOT_FOUND", f"no worktree named {name!r} at {path}",
                           "Run 'cadence worktree list'.", PRECONDITION)
    branch = entry["branch"]
    problems = []
    copies = False
    if path.is_dir():
        st = git.status(path)
        # untracked files identical to the main tree's (the shared plans / config copies) lose nothing
        untracked = [u for u in st["untracked"] if not same_as_main(main, path, u)]
        dirty = st["staged"] + st["unstaged"] + untracked + st["conflicted"]
        copies = len(untracked) < len(st["untracked"])
        if dirty:
            problems.append(f"{len(dirty)} uncommitted or untracked file(s): " + ", ".join(dirty[:5]))
    if branch and not _merged(main, str(branch)):
        problems.append(f"branch {branch} has commits that are not merged or pushed")
    if problems and not force:
        raise CadenceError("WORKTREE_NOT_SAFE", f"refusing to remove worktree {name}: " + "; ".join(problems),
                           "Commit / push / merge first, or pass --force to discard (the branch is kept unless "
                           "--delete-branch).", PRECONDITION, data={"problems": problems})
    git.run_git(main, ["worktree", "remove", *(["--force"] if force or copies else []), str(path)])
    deleted = False
    if delete_branch and branch:
        git.run_git(main, ["branch", "-D" if force else "-d", str(branch)])
        deleted = True
    return {"name": name, "path": str(path), "branch": branch, "removed": True, "branch_deleted": deleted,
            "main_root": str(main), "forced": bool(force and problems), "problems": problems}


def open_command(main: Path, path: Path) -> str:
    client = "claude"
    try:
        from cadence.content.loader import pipeline_index
        from cadence.project.config import load_config
        if (main / CONFIG).is_file():
            cfg, _ = load_config(main, tuple(pipeline_index()["steps"]))
            if cfg.get("clients"):
                client = CLIENT_COMMANDS.get(cfg["clients"][0], client)
    except CadenceError:
        pass
    return f"cd {shlex.quote(str(path))} && {client}"


def open_worktree(root: Path, name: str) -> dict[str, Any]:
    main = _main_root(root)
    path = _wt_path(main, name)
    if not path.is_dir():
        raise CadenceError("WORKTREE_NOT_FOUND", f"no worktree named {name!r} at {path}",
                           "Run 'cadence worktree list'.", PRECONDITION)
    return {"name": name, "path": str(path), "command": open_command(main, path)}


def _exclude_worktrees(main: Path) -> None:
    """Keep `.worktrees/` out of the main tree's `git status` (it is [ignored] by design): add it to the
    repository's local `info/exclude` when no ignore rule covers it yet. Best effort, never an error."""
    from cadence.vcs import git
    try:
        if git.run_git(main, ["check-ignore", f"{WORKTREES}/"], timeout=10, check=False).strip():
            return  # already ignored
        common = git.run_git(main, ["rev-parse", "--git-common-dir"], timeout=10).strip()
        exclude = (main / common / "info" / "exclude") if not Path(common).is_absolute() else \
            Path(common) / "info" / "exclude"
        text = exclude.read_text(encoding="utf-8") if exclude.is_file() else ""
        if f"/{WORKTREES}/" in text.splitlines():
            return
        exclude.parent.mkdir(parents=True, exist_ok=True)
        with exclude.open("a", encoding="utf-8") as fh:
            fh.write(("" if not text or text.endswith("\n") else "\n") + f"/{WORKTREES}/\n")
    except (OSError, CadenceError):
        pass
