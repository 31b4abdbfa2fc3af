"""Run git with an argument list and a timeout; failures become GitError (exit code 6)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from cadence.errors import EXTERNAL, CadenceError

DEFAULT_TIMEOUT = 60


class GitError(CadenceError):
    def __init__(self, message: str, hint: str = "", stderr: str = "") -> None:
        super().__init__("GIT_FAILED", message, hint or "Check the repository state with 'git status'.", EXTERNAL)
        self.stderr = stderr


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("GIT_TERMINAL_PROMPT", "0")
    env["LC_ALL"] = "C"
    return env


def run_git(cwd: Path, args: list[str], timeout: float = DEFAULT_TIMEOUT, check: bool = True,
            input_text: str | None = None) -> str:
    """Run `git <args>` in `cwd` and return stdout. Never a shell."""
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              env=_env(), input=input_text, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH", "Install git.") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {' '.join(args[:2])} timed out after {timeout:g}s") from None
    if check and proc.returncode != 0:
        raise GitError(f"git {' '.join(args[:3])} failed: {_message(proc.stderr or proc.stdout, proc.returncode)}",
                       stderr=proc.stderr)
    return proc.stdout


def _message(text: str, code: int) -> str:
    """git's own message without its `hint:` lines: the error / fatal / rejected lines, else the last line."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith("hint:")] or lines
    if not lines:
        return f"exit {code}"
    key = [ln for ln in lines if ln.startswith(("error:", "fatal:", "!", "remote: error", "ERROR"))]
    return "; ".join(dict.fromkeys(key[-3:])) if key else lines[-1]


def is_repo(path: Path) -> bool:
    try:
        return run_git(path, ["rev-parse", "--is-inside-work-tree"], timeout=10).strip() == "true"
    except GitError:
        return False


def toplevel(path: Path) -> Path | None:
    try:
        return Path(run_git(path, ["rev-parse", "--show-toplevel"], timeout=10).strip())
    except GitError:
        return None


# ----------------------------------------------------------------- repository facts

def git_dirs(cwd: Path) -> tuple[Path, Path] | None:
    """(absolute git dir, absolute common dir), or None outside a repository."""
    try:
        out = run_git(cwd, ["rev-parse", "--absolute-git-dir", "--git-common-dir"], timeout=10).splitlines()
    except GitError:
        return None
    git_dir = Path(out[0])
    common = Path(out[1])
    if not common.is_absolute():
        common = (cwd / common).resolve()
    return git_dir, common.resolve()


def main_root(cwd: Path) -> Path | None:
    """The main working tree's root, also when called from inside a linked worktree."""
    dirs = git_dirs(cwd)
    if dirs is None:
        return None
    return dirs[1].parent


def is_linked_worktree(cwd: Path) -> bool:
    dirs = git_dirs(cwd)
    return dirs is not None and dirs[0].resolve() != dirs[1]


def current_branch(cwd: Path) -> str | None:
    """The checked-out branch, or None on a detached HEAD."""
    out = run_git(cwd, ["symbolic-ref", "--quiet", "--short", "HEAD"], timeout=10, check=False).strip()
    return out or None


def has_head(cwd: Path) -> bool:
    return run_git(cwd, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], timeout=10, check=False).strip() != ""


def rev_parse(cwd: Path, ref: str) -> str | None:
    out = run_git(cwd, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], timeout=10,
                  check=False).strip()
    return out or None


def branch_exists(cwd: Path, name: str) -> bool:
    proc = run_git(cwd, ["show-ref", "--verify", f"refs/heads/{name}"], timeout=10, check=False)
    return bool(proc.strip())


def remote_branch_exists(cwd: Path, name: str, remote: str = "origin") -> bool:
    return bool(run_git(cwd, ["show-ref", "--verify", f"refs/remotes/{remote}/{name}"], timeout=10,
                        check=False).strip())


def local_branches(cwd: Path) -> list[str]:
    out = run_git(cwd, ["for-each-ref", "--format=%(refname:short)", "refs/heads/"], timeout=10, check=False)
    return [b for b in out.splitlines() if b]


def check_branch_name(cwd: Path, name: str) -> bool:
    proc = subprocess.run(["git", "check-ref-format", "--branch", name], cwd=cwd, capture_output=True, text=True,
                          timeout=10, env=_env(), check=False)
    return proc.returncode == 0


def parse_status_v2(raw: str) -> dict[str, list[str]]:
    """Parse `git status --porcelain=v2 -z`: staged, unstaged, untracked and conflicted kept apart.

    Nothing is stripped, so a first entry with a leading status blank keeps its meaning.
    """
    staged: list[str] = []
    unstaged: list[str] = []
    untracked: list[str] = []
    conflicted: list[str] = []
    ignored: list[str] = []
    renamed_from: list[str] = []
    parts = raw.split("\0")
    i = 0
    while i < len(parts):
        entry = parts[i]
        i += 1
        if not entry:
            continue
        kind = entry[0]
        if kind == "1":
            fields = entry.split(" ", 8)
            xy, path = fields[1], fields[8]
        elif kind == "2":
            fields = entry.split(" ", 9)
            xy, path = fields[1], fields[9]
            if i < len(parts) and parts[i]:
                renamed_from.append(parts[i])
            i += 1  # the original path follows as its own NUL-terminated field
        elif kind == "u":
            conflicted.append(entry.split(" ", 10)[10])
            continue
        elif kind == "?":
            untracked.append(entry[2:])
            continue
        elif kind == "!":
            ignored.append(entry[2:])
            continue
        else:  # headers ("# branch.oid …") and anything newer
            continue
        if xy[0] != ".":
            staged.append(path)
        if xy[1] != ".":
            unstaged.append(path)
    return {"staged": staged, "unstaged": unstaged, "untracked": untracked, "conflicted": conflicted,
            "renamed_from": renamed_from}


def status(cwd: Path, untracked: str = "all") -> dict[str, list[str]]:
    raw = run_git(cwd, ["status", "--porcelain=v2", "-z", f"--untracked-files={untracked}"])
    return parse_status_v2(raw)


def upstream(cwd: Path, branch: str | None = None) -> str | None:
    ref = f"{branch}@{{upstream}}" if branch else "@{upstream}"
    out = run_git(cwd, ["rev-parse", "--abbrev-ref", "--symbolic-full-name", ref], timeout=10, check=False).strip()
    return out or None


def ahead_behind(cwd: Path, ref: str = "@{upstream}") -> tuple[int, int] | None:
    out = run_git(cwd, ["rev-list", "--left-right", "--count", f"HEAD...{ref}"], timeout=30, check=False).split()
    if len(out) != 2:
        return None
    return int(out[0]), int(out[1])


def merge_base(cwd: Path, a: str, b: str = "HEAD") -> str:
    return run_git(cwd, ["merge-base", "--end-of-options", a, b]).strip()


def is_ancestor(cwd: Path, a: str, b: str) -> bool:
    proc = subprocess.run(["git", "merge-base", "--is-ancestor", a, b], cwd=cwd, capture_output=True, text=True,
                          timeout=30, env=_env(), check=False)
    return proc.returncode == 0


def diff_names(cwd: Path, a: str, b: str = "HEAD") -> list[str]:
    raw = run_git(cwd, ["diff", "--name-only", "-z", "--no-renames", a, b, "--"])
    return [p for p in raw.split("\0") if p]


def changed_files(cwd: Path, base: str | None = None) -> list[str]:
    """Changed paths: staged + unstaged + untracked vs HEAD, or merge-base(base)…HEAD with `base`."""
    if base:
        if rev_parse(cwd, base) is None:
            raise GitError(f"unknown base ref {base!r}", "Pass a branch, tag or commit that exists (git branch -a).")
        return diff_names(cwd, merge_base(cwd, base, "HEAD"), "HEAD")
    st = status(cwd)
    seen: dict[str, None] = {}
    for key in ("staged", "unstaged", "conflicted", "untracked", "renamed_from"):
        for p in st.get(key, []):  # a rename's old path is a change too (as with --base: --no-renames)
            if not p.endswith("/"):
                seen.setdefault(p, None)
    return list(seen)


def remote_url(cwd: Path, name: str = "origin") -> str | None:
    out = run_git(cwd, ["remote", "get-url", name], timeout=10, check=False).strip()
    return out or None


def default_branch(cwd: Path, remote: str = "origin", query_remote: bool = False) -> str | None:
    """origin's default branch (refs/remotes/origin/HEAD; with `query_remote`, else the remote's own HEAD
    from `git ls-remote --symref`), else main/master whichever exists, else None."""
    out = run_git(cwd, ["symbolic-ref", "--quiet", f"refs/remotes/{remote}/HEAD"], timeout=10, check=False).strip()
    prefix = f"refs/remotes/{remote}/"
    if out.startswith(prefix):
        return out[len(prefix):]
    if query_remote and remote_url(cwd, remote) is not None:
        try:
            listing = run_git(cwd, ["ls-remote", "--symref", remote, "HEAD"], timeout=20, check=False)
        except GitError:
            listing = ""
        for line in listing.splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "ref:" and parts[1].startswith("refs/heads/") and parts[2] == "HEAD":
                return parts[1][len("refs/heads/"):]  # listed only when HEAD resolves: the branch exists
    for cand in ("main", "master"):
        if branch_exists(cwd, cand) or remote_branch_exists(cwd, cand, remote):
            return cand
    return None


def worktree_list(cwd: Path) -> list[dict[str, object]]:
    """`git worktree list --porcelain -z`: path, head, branch (None when detached), flags."""
    try:
        raw = run_git(cwd, ["worktree", "list", "--porcelain", "-z"])
        sep = "\0"
    except GitError:  # git < 2.36 has no -z here
        raw = run_git(cwd, ["worktree", "list", "--porcelain"])
        sep = "\n"
    items: list[dict[str, object]] = []
    cur: dict[str, object] = {}
    for field in raw.split(sep):
        if not field:
            if cur:
                items.append(cur)
                cur = {}
            continue
        key, _, value = field.partition(" ")
        if key == "worktree":
            cur = {"path": value, "head": None, "branch": None, "detached": False, "bare": False,
                   "locked": False, "prunable": False}
        elif key == "HEAD":
            cur["head"] = value
        elif key == "branch":
            cur["branch"] = value.removeprefix("refs/heads/")
        elif key in ("detached", "bare", "locked", "prunable"):
            cur[key] = True
    if cur:
        items.append(cur)
    return items


def last_commit_time(cwd: Path) -> str | None:
    out = run_git(cwd, ["log", "-1", "--format=%cI"], timeout=10, check=False).strip()
    return out or None
