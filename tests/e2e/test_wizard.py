"""The interactive wizard in a real pseudo-terminal: it asks only what flags did not answer."""

import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")


def converse(args: list[str], answers: list[tuple[str, str]], cwd: Path, timeout: float = 30) -> tuple[int, str]:
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.chdir(cwd)
        os.execvpe(sys.executable, [sys.executable, "-m", "cadence", *args], {**os.environ, "NO_COLOR": "1"})
    out = b""
    pending = list(answers)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        if pending and pending[0][0].encode() in out.split(b"\x00")[-1]:
            expect, reply = pending.pop(0)
            out += b"\x00"  # marks how far the conversation has been answered
            os.write(fd, reply.encode() + b"\n")
    done, status = os.waitpid(pid, os.WNOHANG)
    grace = time.monotonic() + 5
    while not done and time.monotonic() < grace:
        time.sleep(0.05)
        done, status = os.waitpid(pid, os.WNOHANG)
    if not done:  # still waiting for an answer that never came: the test fails instead of hanging
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.replace(b"\x00", b"").decode(errors="replace")


def test_wizard_asks_type_settings_and_clients(repo):
    code, out = converse(["init"], [("Methodology", "2"), ("Project type", "data-pipeline"),
                                    ("Processing model", "2"), ("Orchestration pattern", ""),
                                    ("Data quality strategy", ""), ("Schema management", "3"),
                                    ("Data catalog support", "y"), ("AI clients", "-")], repo)
    assert code == 0, out
    cfg = (repo / ".cadence/config.yml").read_text()
    assert "methodology: mvp" in cfg and "type: data-pipeline" in cfg
    assert "processing: streaming" in cfg and "schema: contracts" in cfg and "catalog: true" in cfg
    assert "orchestration: none" in cfg


def test_wizard_skips_questions_answered_by_flags(repo):
    code, out = converse(["init", "--methodology", "deep", "--clients", "claude", "--web-rendering", "ssr"],
                         [("Deploy target", "2"), ("Real-time needs", ""), ("How do users authenticate", "4")], repo)
    assert code == 0, out
    assert "Methodology" not in out and "Project type" not in out and "AI clients" not in out
    cfg = (repo / ".cadence/config.yml").read_text()
    assert "deploy-target: container" in cfg and "auth-flow: passkey" in cfg
