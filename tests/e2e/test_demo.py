"""The README's main job: `cadence demo` runs the whole product end to end."""

from tests.conftest import run_subprocess


def test_demo_runs_every_part(tmp_path):
    r = run_subprocess("demo", "--json", timeout=300)
    assert r.code == 0, r.err[-2000:] + r.out[-2000:]
    data = r.json["data"]
    assert data["gate"] == "GO-WITH-WARNINGS" and len(data["commit"]) == 40
    assert data["gate_missing"] == []  # the demo sends every report the scope asks for
    assert data["mcp_tools"] == {"core": 10, "standard": 28, "all": 41}
    commands = [s["command"].split()[1] for s in data["steps"]]
    for cmd in ("init", "next", "run", "complete", "plan", "loop", "scope", "gate", "finish", "dashboard"):
        assert cmd in commands
    # one red verify (exit 2) and the refused claim that the task passed (exit 2); everything else succeeds
    failed = [s["command"] for s in data["steps"] if s["exit_code"] != 0]
    assert failed == ["cadence loop verify", "cadence loop report pass --detail done"], failed
    assert data["refused"]["code"] == "UNVERIFIED"
    assert data["root"] is None and data["dashboard"] is None  # removed without --keep


def test_demo_prints_copyable_commands_and_says_how_to_keep(tmp_path):
    import shlex
    r = run_subprocess("demo", timeout=300)
    assert r.code == 0, r.err[-2000:] + r.out[-2000:]
    assert "'cadence demo --keep' keeps them" in r.out
    assert "✗ refused (exit 2, UNVERIFIED)" in r.out
    for line in r.out.splitlines():
        if "  $ cadence " in line:
            shlex.split(line.split("  $ ", 1)[1])  # every printed command parses as one shell command
    assert "--detail 'due dates stored; 2 tests cover both ACs'" in r.out
    assert "gh pr create --base main" in r.out and "…" not in r.out.split("gh pr create", 1)[1].splitlines()[0]


def test_demo_keep_keeps_what_it_points_to(tmp_path):
    import shutil
    from pathlib import Path
    r = run_subprocess("demo", "--keep", "--json", timeout=300)
    assert r.code == 0, r.err[-2000:] + r.out[-2000:]
    data = r.json["data"]
    try:
        assert Path(data["root"], ".cadence/config.yml").is_file() and Path(data["dashboard"]).is_file()
    finally:
        shutil.rmtree(Path(data["root"]).parent, ignore_errors=True)
