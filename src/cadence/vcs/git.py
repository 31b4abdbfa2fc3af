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
        msg = (proc.stderr or proc.stdout).strip().splitlines()
        raise GitError(f"git {' '.join(args[:3])} failed: {msg[-1] if msg else f'exit {proc.returncode}'}",
                       stderr=proc.stderr)
    return proc.stdout


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
