"""`loop verify` with hostile commands: huge output in constant memory, background children, Ctrl-C / SIGTERM /
kill -9 of cadence leaving no process behind, a red run's exit code, the project's virtualenv."""

from __future__ import annotations

import json
import os
import resource
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from wfhelpers import PLAN, cadence, save_plan_file

from cadence.workflow import loop

PY = sys.executable


def cmd(code: str) -> str:
    return shlex.join([PY, "-c", code])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is as good as dead
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True


def _wait_for(path: Path, seconds: float = 20) -> None:
    end = time.monotonic() + seconds
    while not path.exists() or not path.read_text().strip():
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.05)


def test_300_mb_of_output_is_streamed_in_constant_memory(repo: Path) -> None:
    name = save_plan_file(repo)
    # 150 million two-byte lines (`yes`), then a pytest summary
    loud = "yes | head -c 300000000; echo '7 passed, 1 failed in 3.0s'"
    loop.start_loop(repo, name, test=shlex.join(["sh", "-c", loud]))
    cap = 500 * 1024 * 1024
    # a fresh parent process runs cadence and reports its children's peak memory: this process's own children
    # (earlier tests) would otherwise count too
    measure = ("import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)")
    proc = subprocess.run([PY, "-c", measure, PY, "-m", "cadence", "--json", "loop", "verify"], cwd=repo,
                          capture_output=True, text=True, timeout=300,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (cap, cap)))
    peak_kib = int(proc.stderr.strip().splitlines()[-1])
    out = json.loads(proc.stdout)
    assert proc.returncode == 2 and out["error"]["code"] == "VERIFY_RED", proc.stdout[-500:] + proc.stderr[-2000:]
    ev = out["data"]["evidence"][0]
    assert ev["exit_code"] == 0 and ev["counts"] == {"passed": 7, "failed": 1, "skipped": 0}
    assert ev["tail"].rstrip().endswith("7 passed, 1 failed in 3.0s") and len(ev["tail"].encode()) <= 4096
    assert peak_kib < 200 * 1024  # KiB: the largest child (cadence or the command) stayed small


def test_background_child_holding_stdout_does_not_stall_verify(repo: Path) -> None:
    name = save_plan_file(repo)
    marker = repo / "bg.pid"
    loop.start_loop(repo, name, test=shlex.join(["sh", "-c", f"sleep 30 & echo $! > {marker}; echo ok"]))
    started = time.monotonic()
    d = loop.verify_loop(repo)
    assert time.monotonic() - started < 10
    ev = d["evidence"][0]
    assert ev["exit_code"] == 0 and "ok" in ev["tail"] and d["green"]
    pid = int(marker.read_text())
    end = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < end:
        time.sleep(0.05)
    assert not _alive(pid), "the leftover background child was not killed"


def test_timeout_kills_the_whole_group(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = repo / "child.pid"
    started = time.monotonic()
    res = loop.run_command(shlex.join(["sh", "-c", f"sleep 60 & echo $! > {marker}; sleep 60"]), repo, 1.5)
    assert res["exit_code"] == 124 and "timed out" in res["output"] and time.monotonic() - started < 10
    pid = int(marker.read_text())
    time.sleep(0.3)
    assert not _alive(pid)


def test_exit_codes_and_missing_commands_are_recorded(repo: Path) -> None:
    assert loop.run_command(cmd("import sys; sys.exit(5)"), repo, 30)["exit_code"] == 5
    res = loop.run_command("no-such-command-xyz --flag", repo, 30)
    assert res["exit_code"] == 127 and "command not found: no-such-command-xyz" in res["output"]
    res = loop.run_command(cmd("import os, signal; os.kill(os.getpid(), signal.SIGTERM)"), repo, 30)
    assert res["exit_code"] == 128 + signal.SIGTERM


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "SIGKILL"])
def test_killing_cadence_leaves_no_orphan(repo: Path, how: str) -> None:
    name = save_plan_file(repo)
    marker = repo / "pids"
    # the command starts a grandchild, records both pids, then both sleep
    script = f"sleep 120 & echo $$ $! > {marker}; sleep 120"
    loop.start_loop(repo, name, test=shlex.join(["sh", "-c", script]))
    proc = subprocess.Popen([PY, "-m", "cadence", "--json", "loop", "verify"], cwd=repo, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _wait_for(marker)
    pids = [int(p) for p in marker.read_text().split()]
    assert all(_alive(p) for p in pids)
    proc.send_signal(getattr(signal, how))
    out, _ = proc.communicate(timeout=30)
    end = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < end:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids), f"left behind after {how}: {pids}"
    if how == "SIGINT":
        assert proc.returncode == 130 and json.loads(out)["error"]["code"] == "INTERRUPTED"


def test_red_verify_exits_2_and_green_exits_0(repo: Path) -> None:
    name = save_plan_file(repo)
    loop.start_loop(repo, name, test=cmd("print('1 failed in 0.1s'); raise SystemExit(1)"))
    r = cadence("--json", "loop", "verify", cwd=repo)
    assert r.returncode == 2 and json.loads(r.stdout)["data"]["green"] is False
    r = cadence("loop", "verify", cwd=repo)
    assert r.returncode == 2 and "verify red" in r.stdout and "VERIFY_RED" in r.stderr
    loop.start_loop(repo, name, test=cmd("print('1 passed in 0.1s')"), force=True)
    r = cadence("--json", "loop", "verify", cwd=repo)
    assert r.returncode == 0 and json.loads(r.stdout)["data"]["green"] is True


def _fake_venv(repo: Path, name: str = ".venv") -> None:
    bin_dir = repo / name / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").write_text(f"#!/bin/sh\necho venv-python \"$@\"\nexec {PY} -c 'print(\"3 passed in 0.1s\")'\n")
    (bin_dir / "python").chmod(0o755)


@pytest.mark.parametrize("venv", [".venv", "venv"])
def test_verify_uses_the_project_virtualenv(repo: Path, venv: str) -> None:
    (repo / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    _fake_venv(repo, venv)
    name = save_plan_file(repo, PLAN)
    d = loop.start_loop(repo, name)
    assert d["commands"]["test"] == f"{venv}/bin/python -m pytest"
    v = loop.verify_loop(repo)
    assert v["green"] and "venv-python -m pytest" in v["evidence"][0]["tail"]


def test_uv_project_keeps_its_runner_even_with_a_venv(repo: Path) -> None:
    (repo / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (repo / "uv.lock").write_text("")
    _fake_venv(repo)
    assert loop.detect_commands(repo)["test"] == "uv run pytest"


def test_missing_test_runner_says_how_to_configure_it(repo: Path) -> None:
    name = save_plan_file(repo)
    loop.start_loop(repo, name, test=cmd("raise SystemExit('/usr/bin/python: No module named pytest')"))
    d = loop.verify_loop(repo)
    assert "workflow.commands.test" in d["evidence"][0]["hint"]
    r = cadence("loop", "verify", cwd=repo)
    assert r.returncode == 2 and "workflow.commands.test" in r.stdout


def test_commands_get_the_default_sigpipe(repo: Path) -> None:
    """Python ignores SIGPIPE; a command must not inherit that (`yes | head` would report a broken pipe)."""
    res = loop.run_command(shlex.join(["sh", "-c", "yes | head -c 10"]), repo, 30)
    assert res["exit_code"] == 0 and "Broken pipe" not in res["output"], res
