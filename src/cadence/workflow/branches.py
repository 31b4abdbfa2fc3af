"""Branches: status (staged / unstaged / untracked apart), create `<type>/<name>`, switch (refusing a dirty tree)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cadence.errors import CONFLICT, PRECONDITION, USAGE, CadenceError
from cadence.project.paths import validate_name
from cadence.workflow.common import require_git, workflow_config

BRANCH_TYPES = ("feature", "bugfix", "hotfix", "refactor", "docs", "test", "chore", "spike")
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")


def validate_branch(name: str) -> str:
    """A branch name given by a user: letters, digits, `._/-`, no `..`, `//`, leading dash or `.lock` end."""
    if (not isinstance(name, str) or not _REF.fullmatch(name) or ".." in name or "//" in name or name.endswith("/")
            or name.endswith(".lock") or "/." in name or name.endswith(".")):
        raise CadenceError("INVALID_BRANCH", f"invalid branch name: {name!r}",
                           "Use letters, digits, '.', '_', '-' and '/' (e.g. feature/login-form).", USAGE)
    return name


def protected_branches(root: Path) -> list[str]:
    return list(workflow_config(root)["protected-branches"])


def branch_status(root: Path) -> dict[str, Any]:
    from cadence.vcs import git
    require_git(root)
    branch = git.current_branch(root)
    st = git.status(root)
    up = git.upstream(root) if branch and git.has_head(root) else None
    ab = git.ahead_behind(root) if up else None
    dirs = git.git_dirs(root)
    linked = bool(dirs and dirs[0].resolve() != dirs[1])
    return {"branch": branch, "detached": branch is None, "protected": branch in protected_branches(root),
            "upstream": up, "ahead": ab[0] if ab else 0, "behind": ab[1] if ab else 0,
            "staged": st["staged"], "unstaged": st["unstaged"], "untracked": st["untracked"],
            "conflicted": st["conflicted"],
            "clean": not any(st[k] for k in ("staged", "unstaged", "untracked", "conflicted")),
            "worktree": "linked" if linked else "main", "main_root": str(dirs[1].parent) if dirs else str(root)}


# A free-text title: words, digits, spaces and sentence punctuation ("Receipts PDF!", "Fix #12, login").
# Shell and path characters (`/ \\ $ ` ; | < > ( ) { } [ ] * ~ ^ :`), control characters and `..` are not
# text: such a name is refused as it is, never slugified into something harmless-looking.
_TITLE = re.compile(r"[^\W_][\w .,!?'&+#@%-]*")


def _slug_title(name: str) -> str:
    """"Receipts PDF!" → "receipts-pdf"; a plain name, or anything that is not a title, is returned as is."""
    from cadence.project.paths import NAME_RE
    if not isinstance(name, str) or NAME_RE.match(name) or ".." in name or not _TITLE.fullmatch(name.strip()):
        return name
    from cadence.core.plan import slugify
    slug = slugify(name)
    return name if slug == "untitled" else slug


def create_branch(root: Path, type_: str, name: str) -> dict[str, Any]:
    from cadence.vcs import git
    require_git(root)
    if type_ not in BRANCH_TYPES:
        raise CadenceError("INVALID_TYPE", f"branch type {type_!r} is not one of {', '.join(BRANCH_TYPES)}", "", USAGE)
    name = _slug_title(name)
    validate_name(name, "branch name")
    branch = f"{type_}/{name.lower()}"
    validate_branch(branch)
    if not git.check_branch_name(root, branch):
        raise CadenceError("INVALID_BRANCH", f"git refuses the branch name {branch!r}", "", USAGE)
    if git.branch_exists(root, branch):
        raise CadenceError("BRANCH_EXISTS", f"branch {branch} already exists",
                           f"Switch to it with 'cadence branch switch {branch}', or choose another name.", CONFLICT)
    previous = git.current_branch(root)
    git.run_git(root, ["switch", "-c", branch] if git.has_head(root) else ["checkout", "-b", branch])
    return {"branch": branch, "previous": previous, "created": True}


def switch_branch(root: Path, name: str, stash: bool = False) -> dict[str, Any]:
    from cadence.vcs import git
    require_git(root)
    validate_branch(name)
    previous = git.current_branch(root)
    if name == previous:
        return {"branch": name, "previous": previous, "stashed": False, "switched": False}
    local = git.branch_exists(root, name)
    if not local and not git.remote_branch_exists(root, name):
        raise CadenceError("BRANCH_NOT_FOUND", f"branch {name!r} not found locally or on origin",
                           "Create it with 'cadence branch create TYPE NAME'.", PRECONDITION)
    st = git.status(root, untracked="no")
    dirty = st["staged"] + st["unstaged"] + st["conflicted"]
    stashed = False
    if dirty:
        if not stash:
            raise CadenceError("DIRTY_TREE", f"uncommitted changes in {len(dirty)} file(s): "
                               + ", ".join(dirty[:5]) + (" …" if len(dirty) > 5 else ""),
                               "Commit them first, or pass --stash to stash them before switching.", PRECONDITION,
                               data={"files": dirty})
        git.run_git(root, ["stash", "push", "-m", f"cadence: before switching to {name}"])
        stashed = True
    git.run_git(root, ["switch", name] if local else ["switch", "--track", f"origin/{name}"])
    return {"branch": name, "previous": previous, "stashed": stashed, "switched": True}
