"""`--wait SECONDS` on every command that takes the project lock, and MCP read-only tools that never queue
behind a mutating call waiting for the lock."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cadence.project.lock import project_lock

PLAN = "---\ntitle: Add cart\ntype: feature\n---\n# Add cart\n\n## Tasks\n- [ ] Task 1: Cart model\n"


@contextmanager
def held(root: Path, seconds: float = 30) -> Iterator[threading.Event]:
    """The project lock held by another thread until the returned event is set (or `seconds` pass)."""
    ready, release = threading.Event(), threading.Event()

    def hold() -> None:
        with project_lock(root, "test holds the lock"):
            ready.set()
            release.wait(seconds)
    t = threading.Thread(target=hold)
    t.start()
    assert ready.wait(10)
    try:
        yield release
    finally:
        release.set()
        t.join()


def cadence(root: Path, *args: str, stdin: str = "") -> tuple[int, dict, float]:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "cadence", "--json", *args], cwd=root, capture_output=True,
                          text=True, input=stdin, timeout=60, env=dict(os.environ))
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout), time.monotonic() - started


def _setup_loop(root: Path) -> str:
    code, out, _ = cadence(root, "plan", "save", stdin=PLAN)
    assert code == 0, out
    name = out["data"]["file"]
    code, out, _ = cadence(root, "loop", "start", name, "--test", "true")
    assert code == 0, out
    return str(name)


COMMANDS = [
    ("plan", "save", "--title", "x"),
    ("session", "save", "--summary", "s"),
    ("docs", "save", "--type", "decision", "--title", "Use X"),
    ("loop", "status"),
    ("loop", "verify"),
    ("loop", "report", "fail", "--detail", "d"),
    ("loop", "abort"),
    ("doctor", "--repair", "--no-server"),
    ("configure", "models", "--primary", "m"),
    ("skip", "create-vision", "--reason", "r"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a[:2]) for a in COMMANDS])
def test_wait_is_accepted_and_honoured(project: Path, args: tuple[str, ...]) -> None:
    _setup_loop(project)
    (project / ".cadence/state.json").write_text("{")  # so that doctor --repair has something to lock for
    with held(project):
        code, out, took = cadence(project, *args, "--wait", "0.3", stdin="## body\n")
    assert code == 3 and out["error"]["code"] == "LOCK_HELD" and "--wait" in out["error"]["hint"], out
    assert took < 5  # not the default 10 s


def test_a_longer_wait_outlasts_the_holder(project: Path) -> None:
    with held(project) as release:
        threading.Timer(1.0, release.set).start()
        code, out, took = cadence(project, "session", "save", "--summary", "s", "--wait", "20")
    assert code == 0 and 0.8 < took < 15, out


@pytest.mark.parametrize("bad", ["-1", "nan", "inf", "soon"])
def test_wait_must_be_finite_seconds(project: Path, bad: str) -> None:
    code, out, _ = cadence(project, "plan", "save", "--title", "x", "--wait", bad)
    assert code == 1 and "--wait" in out["error"]["message"], out


def test_mcp_read_only_tools_answer_while_a_mutating_call_waits(project: Path) -> None:
    pytest.importorskip("mcp")
    from mcp import ClientSession, StdioServerParameters, stdio_client

    async def go() -> tuple[float, float]:
        params = StdioServerParameters(command=sys.executable, args=["-m", "cadence", "mcp", "--root", str(project)],
                                       env={**os.environ, "NO_COLOR": "1"}, cwd=str(project))
        async with stdio_client(params) as (r, w), ClientSession(r, w) as s:
            await s.initialize()
            with held(project) as release:
                started = time.monotonic()
                mutating = asyncio.ensure_future(s.call_tool("plan_save", {"content": PLAN}))
                await asyncio.sleep(0.5)  # plan_save is now waiting for the lock inside the server
                listed = await s.call_tool("plan_list", {})
                read_took = time.monotonic() - started
                assert not listed.is_error
                release.set()
                saved = await mutating
                assert not saved.is_error
                return read_took, time.monotonic() - started
    read_took, total = asyncio.run(go())
    assert read_took < 3, read_took  # answered at once, not after the 10 s lock wait
