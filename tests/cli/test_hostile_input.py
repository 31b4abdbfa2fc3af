"""Hostile names on every pipeline-side name input: a clear error, nothing written outside the repository."""

import pytest
from tests.conftest import tree_snapshot

HOSTILE = ["../x", "/etc/passwd", "$(touch pwned)", ";rm -rf ~", "a\nb", "..", "", "x" * 300, "CON\x00"]
COMMANDS = [["run", "{}"], ["run", "{}", "--preview"], ["complete", "{}"], ["skip", "{}", "--reason", "r"],
            ["reset", "{}"], ["check", "{}"], ["info", "{}"], ["knowledge", "show", "{}"],
            ["knowledge", "override", "{}"], ["knowledge", "reset", "{}"], ["decisions", "add", "t", "--step", "{}"],
            ["status", "--phase", "{}"], ["rework", "--phase", "{}"]]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_rejected_without_side_effects(cli, project, tmp_path, name):
    outside = sorted(p.name for p in project.parent.iterdir())
    before = tree_snapshot(project)
    for cmd in COMMANDS:
        args = [a.replace("{}", name) for a in cmd]
        r = cli("--root", project, *args, "--json")
        assert r.code in (1, 2), (cmd, r)
        assert r.json["ok"] is False and r.json["error"]["hint"] is not None
    assert tree_snapshot(project) == before
    assert sorted(p.name for p in project.parent.iterdir()) == outside
    assert not (project / "pwned").exists()
