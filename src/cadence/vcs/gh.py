"""Run the GitHub CLI (`gh`) with argument lists and timeouts; failures become GhError (exit code 6).

cadence never reads or stores tokens: authentication is entirely gh's business.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from cadence.errors import EXTERNAL, CadenceError

DEFAULT_TIMEOUT = 60


class GhError(CadenceError):
    def __init__(self, code: str, message: str, hint: str = "", stderr: str = "") -> None:
        super().__init__(code, message, hint or "Check 'gh auth status' and the repository's remote.", EXTERNAL)
        self.stderr = stderr


def gh_path() -> str | None:
    return shutil.which("gh")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("GH_PROMPT_DISABLED", "1")
    env.setdefault("NO_COLOR", "1")
    env.setdefault("GH_NO_UPDATE_NOTIFIER", "1")
    return env


def missing_error() -> GhError:
    return GhError("GH_MISSING", "the GitHub CLI (gh) is not installed or not on PATH",
                   "Install it from https://cli.github.com/ and run 'gh auth login'.")


def run_gh(cwd: Path, args: list[str], timeout: float = DEFAULT_TIMEOUT, check: bool = True,
           input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `gh <args>` in `cwd` (never a shell) and return the completed process."""
    exe = gh_path()
    if exe is None:
        raise missing_error()
    try:
        proc = subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=_env(),
                              input=input_text, check=False)
    except subprocess.TimeoutExpired:
        raise GhError("GH_TIMEOUT", f"gh {' '.join(args[:2])} timed out after {timeout:g}s") from None
    except OSError as exc:
        raise GhError("GH_FAILED", f"cannot run gh: {exc}") from None
    if check and proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        last = lines[-1] if lines else f"exit {proc.returncode}"
        text = (proc.stderr or "").lower()
        if "auth login" in text or "not logged" in text or "authentication" in text or " 401" in text:
            raise GhError("GH_AUTH", f"gh {' '.join(args[:2])} failed: {last}",
                          "Run 'gh auth login' (cadence never handles tokens itself).", proc.stderr)
        raise GhError("GH_FAILED", f"gh {' '.join(args[:2])} failed: {last}", stderr=proc.stderr)
    return proc


def run_gh_json(cwd: Path, args: list[str], timeout: float = DEFAULT_TIMEOUT) -> Any:
    out = run_gh(cwd, args, timeout).stdout
    try:
        return json.loads(out) if out.strip() else None
    except ValueError:
        raise GhError("GH_BAD_OUTPUT", f"gh {' '.join(args[:2])} did not return JSON",
                      "Update gh to a recent version ('gh --version').") from None


def authenticated(cwd: Path, host: str | None = None) -> bool:
    """True when gh is installed and `gh auth status` succeeds (for `host` when given)."""
    if gh_path() is None:
        return False
    args = ["auth", "status"] + (["--hostname", host] if host and host != "github.com" else [])
    try:
        return run_gh(cwd, args, timeout=20, check=False).returncode == 0
    except GhError:
        return False


_SCP = re.compile(r"^(?:(?P<user>[^@/\s]+)@)?(?P<host>[A-Za-z0-9.-]+):(?!//)(?P<path>[^\s]+)$")
_URL = re.compile(r"^(?P<scheme>https?|ssh|git)://(?:[^@/\s]+@)?(?P<host>[A-Za-z0-9.-]+)(?::\d+)?/(?P<path>[^\s]+)$")
_PART = re.compile(r"^[A-Za-z0-9_.-]+$")


def is_github_host(host: str) -> bool:
    """github.com, or a GitHub Enterprise host: `github.<domain>`, `*.ghe.com`, or $GH_HOST."""
    host = host.lower().rstrip(".")
    if host in ("github.com", "www.github.com", "ssh.github.com"):
        return True
    if os.environ.get("GH_HOST") and host == os.environ["GH_HOST"].lower():
        return True
    return host.startswith("github.") or host.endswith(".ghe.com")


def parse_repo_url(url: str) -> dict[str, str] | None:
    """{"host", "owner", "name"} for a GitHub (or GitHub Enterprise) remote URL, else None.

    Accepts https (with or without `user@`), ssh://, git:// and scp-like `git@host:owner/name`, an optional
    `.git` suffix, trailing slashes and dots in names.
    """
    url = url.strip()
    m = _URL.fullmatch(url) or _SCP.fullmatch(url)
    if not m:
        return None
    host = m.group("host")
    if not is_github_host(host):
        return None
    path = m.group("path").strip("/")
    if path.endswith(".git"):
        path = path[:-4]
    parts = path.split("/")
    if len(parts) != 2 or not all(_PART.fullmatch(p) and p not in (".", "..") for p in parts):
        return None
    return {"host": host.lower(), "owner": parts[0], "name": parts[1]}
