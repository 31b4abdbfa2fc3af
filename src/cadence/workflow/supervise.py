"""A tiny supervisor that runs one verify command and dies with cadence. Run as a script
(`python -I -S supervise.py ARGV...`, no cadence import) by `workflow.loop.run_command`.

cadence starts it as the leader of a new process group, with stdin a pipe whose write end
only cadence holds. The supervisor spawns the command in the same group (stdout/stderr
inherited, stdin /dev/null) and waits for whichever comes first:
* the command exits → the supervisor exits with the same code (128+N for signal N);
* the pipe reaches end-of-file, because cadence died however it died (Ctrl-C, SIGTERM,
  kill -9) → the supervisor kills the whole group, itself included, so nothing outlives cadence.
"""

from __future__ import annotations

import os
import select
import signal
import sys


def main(argv: list[str]) -> int:
    devnull = os.open(os.devnull, os.O_RDONLY)
    try:
        # Python ignores SIGPIPE; the command gets the default back (as subprocess's restore_signals does)
        pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 0)],
                              setsigdef=[s for s in (getattr(signal, "SIGPIPE", None), getattr(signal, "SIGXFSZ", None))
                                         if s is not None])
    except FileNotFoundError:
        sys.stdout.write(f"command not found: {argv[0]}\n")
        return 127
    except OSError as exc:
        sys.stdout.write(f"cannot run {argv[0]}: {exc.strerror}\n")
        return 126
    watch = [0]
    try:
        watch.append(os.pidfd_open(pid))  # wakes the wait the moment the command exits (Linux)
    except (AttributeError, OSError):
        pass
    while True:
        ready, _, _ = select.select(watch, [], [], 0.05 if len(watch) == 1 else None)
        if 0 in ready and not os.read(0, 512):
            os.killpg(0, signal.SIGKILL)  # cadence is gone: take the whole group down
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
