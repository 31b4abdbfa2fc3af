"""A forced completion that cannot take the lock claims nothing (newcomer m20)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from tests.conftest import run_subprocess


def test_a_forced_complete_that_cannot_lock_says_no_completion(project: Path) -> None:
    fd = os.open(project / ".cadence" / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another program holds the lock and says nothing about itself
        r = run_subprocess("--root", str(project), "complete", "create-vision", "--force", "--wait", "0.5")
    finally:
        os.close(fd)
    assert r.code == 3, r
    assert "another program" in r.err and "completed create-vision" not in r.out + r.err
    r = run_subprocess("--root", str(project), "complete", "create-vision", "--force")
    assert r.code == 0 and "completed create-vision without" in r.err  # once it is recorded, it says so
