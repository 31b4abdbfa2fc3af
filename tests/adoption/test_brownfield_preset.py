"""The brownfield preset: foundation, environment, quality and the workflow on; the document chain opt-in."""

from __future__ import annotations


def test_brownfield_is_a_methodology_everywhere(cli, repo):
    listed = cli("--root", repo, "list", "--section", "methodologies", "--json").json["data"]["methodologies"]
    assert "brownfield" in [m["name"] for m in listed]
    assert cli("--root", repo, "init", "--no-input", "--methodology", "brownfield").code == 0
    steps = {s["name"]: s for s in cli("--root", repo, "status", "--json").json["data"]["steps"]}
    on = {n for n, s in steps.items() if s["enabled"]}
    assert {"tech-stack", "coding-standards", "tdd", "project-structure", "dev-env-setup", "git-workflow",
            "security", "operations", "claude-md-optimization"} <= on
    assert not on & {"create-vision", "create-prd", "user-stories", "domain-modeling", "adrs", "system-architecture",
                     "implementation-plan", "cross-phase-consistency", "implementation-playbook"}
    nxt = cli("--root", repo, "next", "--json").json["data"]["eligible"]
    assert "tech-stack" in [e["name"] for e in nxt]


def test_a_document_step_is_one_override_away(cli, repo):
    cli("--root", repo, "init", "--no-input", "--methodology", "brownfield")
    cfg = repo / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("steps: {}", "steps: {system-architecture: {enabled: true}}"))
    steps = {s["name"]: s for s in cli("--root", repo, "status", "--json").json["data"]["steps"]}
    assert steps["system-architecture"]["enabled"] is True


def test_unknown_methodology_lists_brownfield(cli, repo):
    r = cli("--root", repo, "init", "--no-input", "--methodology", "brownfeld")
    assert r.code == 1 and "brownfield" in r.err and not (repo / ".cadence").exists()
