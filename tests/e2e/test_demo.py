"""The README's main job: `cadence demo` runs the whole product end to end."""

from tests.conftest import run_subprocess


def test_demo_runs_every_part(tmp_path):
    r = run_subprocess("demo", "--json", timeout=300)
    assert r.code == 0, r.err[-2000:] + r.out[-2000:]
    data = r.json["data"]
    assert data["gate"] == "GO-WITH-WARNINGS" and len(data["commit"]) == 40
    assert data["gate_missing"] == []  # the demo sends every report the scope asks for
    assert data["mcp_tools"] == {"core": 10, "standard": 27, "all": 40}
    commands = [s["command"].split()[1] for s in data["steps"]]
    for cmd in ("init", "next", "run", "complete", "plan", "loop", "scope", "gate", "finish", "dashboard"):
        assert cmd in commands
    assert all(s["exit_code"] == 0 for s in data["steps"])
