"""The advisory project lock: a kernel file lock on `.cadence/.lock`.

The kernel drops the lock when the holding process dies, so there are no stale locks to
clean up. The holder writes who it is (pid, command, since, host) into the file so that a
waiting process can name it when it gives up.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path

from cadence.errors import CONFLICT, CadenceError
from cadence.project.paths import LOCK

DEFAULT_WAIT = 10.0
# How long a command waits when its caller gave no explicit `wait` (the CLI's `--wait SECONDS`).
WAIT: ContextVar[float | None] = ContextVar("cadence_lock_wait", default=None)

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _holder(fd: int) -> str:
    """Who holds the lock, from what the holder wrote into the file (read through our own descriptor)."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        raw = os.read(fd, 4096)
        info = json.loads(raw.decode("utf-8") or "{}")
    except (OSError, ValueError):
        info = None
    if not isinstance(info, dict) or not isinstance(info.get("pid"), int):
        return "another program (it holds the lock but did not say who it is)"
    return f"pid {info['pid']} running '{info.get('command')}' since {info.get('since')}"


@contextmanager
def project_lock(root: Path, command: str, wait: float | None = None) -> Iterator[None]:
    from cadence.project.fsio import open_lock
    fd = open_lock(root, root / LOCK)
    try:
        wait = WAIT.get() if wait is None else wait
        deadline = time.monotonic() + (DEFAULT_WAIT if wait is None else max(0.0, wait))
        delay = 0.01
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise CadenceError("LOCK_HELD", f"the project is locked by {_holder(fd)}",
                                   "Wait for it to finish, or retry with a longer --wait SECONDS.", CONFLICT)
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
        info = {"pid": os.getpid(), "command": command, "host": socket.gethostname(),
                "since": datetime.now(UTC).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(info).encode())
        try:
            yield
        finally:
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass
            _unlock(fd)
    finally:
        os.close(fd)
