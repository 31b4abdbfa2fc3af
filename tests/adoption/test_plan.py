"""The adoption plan: detect: contracts, artifact_map, plan key, apply with and without drift, verification."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import git, tree_snapshot

STYLE = "# Contributing\n\n## Code style\n\nWe use ruff with the settings in pyproject.toml.\n"


def user_files(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree_snapshot(root).items() if not k.startswith((".cadence", ".git/"))}


@pytest.fixture
def brown(cli, repo):
    (repo / "pyproject.toml").write_text('[project]\nname = "demo"\n[tool.ruff]\nline-length = 100\n')
    (repo / "CONTRIBUTING.md").write_text(STYLE)
    (repo / "tests").mkdir()
    (repo / "tests/test_demo.py").write_text("def test_x():\n    assert True\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "existing code")
    assert cli("--root", repo, "init", "--no-input", "--methodology", "brownfield").code == 0
    return repo


def plan(cli, root, *args):
    r = cli("--root", root, "adopt", "--json", *args)
    assert r.code == 0, r
    return r.json["data"]


def step(data, name):
    return next(s for s in data["steps"] if s["step"] == name)


def test_an_existing_file_stands_in_for_a_step_when_it_passes_the_contract(cli, brown):
    d = plan(cli, brown)
    cs = step(d, "coding-standards")
    assert cs["verdict"] == "satisfied" and cs["action"] == "complete" and cs["mapped"] == "CONTRIBUTING.md"
    assert cs["verification"] == "verified" and d["artifact_map"] == {"coding-standards": "CONTRIBUTING.md"}
    assert cs["checks"][0]["evidence"] == "CONTRIBUTING.md:3 Code style"
    assert "pyproject.toml:3 [tool.ruff]" in cs["found"]
    tdd = step(d, "tdd")
    assert tdd["action"] == "adopt" and any(f.startswith("tests/test_demo.py") for f in tdd["found"])
    assert "tdd" in d["adoption_mode"] and "coding-standards" not in d["adoption_mode"]
    assert [p["step"] for p in d["proposed"]] == ["coding-standards"]
    assert len(d["plan_key"]) == 64


def test_a_file_that_fails_the_contract_is_only_partial(cli, brown):
    (brown / "CONTRIBUTING.md").write_text("# Contributing\n\n## Sending patches\n\nOpen a pull request.\n")
    cs = step(plan(cli, brown), "coding-standards")
    assert cs["verdict"] == "partial" and cs["action"] == "adopt" and cs["files"] == ["CONTRIBUTING.md"]
    assert cs["missing"] and cs["missing"][0].startswith("failed: heading")


def test_apply_with_the_reviewed_key_records_decisions_and_rewrites_nothing(cli, brown):
    key = plan(cli, brown)["plan_key"]
    before = user_files(brown)
    r = cli("--root", brown, "adopt", "--apply", "--plan-key", key, "--json")
    assert r.code == 0, r
    d = r.json["data"]
    assert d["applied"] and [c["step"] for c in d["changes"]] == ["coding-standards"]
    assert user_files(brown) == before
    entry = json.loads((brown / ".cadence/state.json").read_text())["steps"]["coding-standards"]
    assert entry["status"] == "completed" and entry["source"] == "adopt" and entry["verification"] == "verified"
    assert entry["outputs"] == ["CONTRIBUTING.md"] and entry["artifact_map"] == "CONTRIBUTING.md"
    decisions = [json.loads(x) for x in (brown / ".cadence/decisions.jsonl").read_text().splitlines()]
    assert decisions[-1]["step"] == "coding-standards" and decisions[-1]["category"] == "adoption"
    assert "CONTRIBUTING.md" in decisions[-1]["text"] and "verified" in decisions[-1]["text"]
    again = plan(cli, brown)
    assert step(again, "coding-standards")["action"] == "none" and again["proposed"] == []


def test_apply_aborts_on_drift(cli, brown):
    key = plan(cli, brown)["plan_key"]
    (brown / "CONTRIBUTING.md").write_text(STYLE + "\nAlso: black.\n")
    r = cli("--root", brown, "adopt", "--apply", "--plan-key", key)
    assert r.code == 3 and "PLAN_DRIFT" in r.err and "nothing was applied" in r.err
    assert json.loads((brown / ".cadence/state.json").read_text())["steps"]["coding-standards"]["status"] == "pending"
    assert (brown / ".cadence/decisions.jsonl").read_text() == ""
    short = plan(cli, brown)["plan_key"][:16]  # a prefix of the live key is enough
    assert cli("--root", brown, "adopt", "--apply", "--plan-key", short).code == 0


def test_bad_flags_are_usage_errors(cli, brown):
    assert cli("--root", brown, "adopt", "--plan-key", "abc123abc123").code == 1
    r = cli("--root", brown, "adopt", "--apply", "--plan-key", "not-a-key")
    assert r.code == 1 and "not a plan key" in r.err
    r = cli("--root", brown, "adopt", "--map", "coding-standards=README.md")
    assert r.code == 1 and "README.md" in r.err
    r = cli("--root", brown, "adopt", "--map", "tdd=docs/nope.md")
    assert r.code == 1 and "does not exist" in r.err
    assert cli("--root", brown, "adopt", "--map", "tdd").code == 1
    assert cli("--root", brown, "adopt", "--map", "nosuchstep=CONTRIBUTING.md").code == 1


def test_map_points_a_step_at_a_file_of_the_users_choice(cli, brown):
    (brown / "docs").mkdir()
    (brown / "docs/qa.md").write_text("# How we test\n\nPytest, one test file per module.\n")
    d = plan(cli, brown, "--map", "tdd=docs/qa.md")
    tdd = step(d, "tdd")
    assert tdd["action"] == "complete" and tdd["mapped"] == "docs/qa.md" and tdd["checks"][0]["ok"]
    assert plan(cli, brown)["plan_key"] != d["plan_key"]  # the mapping is part of what the key pins


def test_write_renders_the_plan_for_review(cli, brown):
    d = plan(cli, brown, "--write")
    text = (brown / "docs/adoption-plan.md").read_text()
    assert d["written"] == "docs/adoption-plan.md" and d["plan_key"] in text
    assert "artifact_map `coding-standards: CONTRIBUTING.md`" in text and "CONTRIBUTING.md:3 Code style" in text
    assert "## Run in adoption mode" in text and "`tdd`" in text
    assert plan(cli, brown)["plan_key"] == d["plan_key"]  # writing the plan is not drift
    human = cli("--root", brown, "adopt")
    assert "coding-standards: CONTRIBUTING.md" in human.out and f"--plan-key {d['plan_key']}" in human.out


def test_bare_apply_keeps_the_specs_form(cli, brown):
    r = cli("--root", brown, "adopt", "--apply", "--json")
    assert r.code == 0 and r.json["data"]["applied"]
    assert json.loads((brown / ".cadence/state.json").read_text())["steps"]["coding-standards"]["status"] == \
        "completed"


def test_complete_records_how_far_the_completion_was_checked(cli, brown):
    (brown / "docs").mkdir()
    (brown / "docs/tech-stack.md").write_text("# Tech stack\n\n| Layer | Choice |\n")
    assert cli("--root", brown, "complete", "tech-stack", "--json").json["data"]["verification"] == "verified"
    (brown / "docs/project-structure.md").write_text("# Notes\n\nnothing about it\n")
    d = cli("--root", brown, "complete", "project-structure", "--json").json["data"]
    assert d["verification"] == "unverified"
    d = cli("--root", brown, "complete", "dev-env-setup", "--force", "--json").json["data"]
    assert d["verification"] == "unverified"
    (brown / ".claude/rules").mkdir(parents=True)
    (brown / ".claude/rules/a.md").write_text("x\n")
    (brown / "docs/ai-memory-setup.md").write_text("x\n")
    assert cli("--root", brown, "complete", "ai-memory-setup", "--json").json["data"]["verification"] == "declared"


def test_status_and_doctor_report_completions_that_no_longer_pass(cli, brown):
    cli("--root", brown, "adopt", "--apply")
    assert cli("--root", brown, "status", "--json").json["data"]["stale"] == []
    (brown / "CONTRIBUTING.md").write_text("# Contributing\n\nJust open a PR.\n")
    stale = cli("--root", brown, "status", "--json").json["data"]["stale"]
    assert [s["step"] for s in stale] == ["coding-standards"] and "detect check fails now" in stale[0]["reason"]
    assert "no longer pass the live check" in cli("--root", brown, "status").out
    doc = cli("--root", brown, "doctor", "--no-server", "--json")
    checks = {c["name"]: c for c in doc.json["data"]["checks"]}
    assert checks["completions"]["ok"] is False and "coding-standards" in checks["completions"]["message"]
    (brown / "CONTRIBUTING.md").unlink()
    stale = cli("--root", brown, "status", "--json").json["data"]["stale"]
    assert stale[0]["reason"] == "missing now: CONTRIBUTING.md"


def test_links_out_of_the_repository_and_fifos_are_never_read(cli, repo, tmp_path):
    import os
    outside = tmp_path / "secret.md"
    outside.write_text("# Code style\n\nsecret\n")
    (repo / "CONTRIBUTING.md").symlink_to(outside)
    os.mkfifo(repo / "pyproject.toml")  # reading it would block forever
    assert cli("--root", repo, "init", "--no-input").code == 0
    d = cli("--root", repo, "adopt", "--json").json["data"]
    cs = step(d, "coding-standards")
    assert cs["action"] == "adopt" and cs["verification"] is None
    assert "secret" not in json.dumps(d)
