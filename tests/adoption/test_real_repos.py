"""Adoption on four real repositories (../shared/fixtures/repos): detection, the plan, apply, adoption mode."""

from __future__ import annotations

import json

import pytest
from tests.adoption.realrepos import unpack
from tests.conftest import git

EXPECTED = {
    "jaffle_shop": ("data-pipeline", {"processing": "batch", "quality": "testing"},
                    "dbt_project.yml: name: jaffle_shop"),
    "microblog": ("web-app", {"rendering": "ssr", "deploy-target": "container", "auth-flow": "session"},
                  "requirements.txt: Flask==3.0.0"),
    "tenacity": ("library", {"visibility": "public", "doc-level": "full-site", "type-definitions": True},
                 "pyproject.toml: [project] name = \"tenacity\" with no entry points"),
    "tldr-python-client": ("cli", {"interactivity": "args-only",
                                   "distribution": ["package-manager", "system-package-manager"]},
                           "pyproject.toml: [project.scripts] tldr = \"tldr:cli\""),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_init_detects_the_type_settings_and_brownfield(cli, tmp_path, name):
    root = unpack(name, tmp_path)
    ptype, settings, evidence = EXPECTED[name]
    r = cli("--root", root, "init", "--no-input", "--json")
    assert r.code == 0, r
    data = r.json["data"]
    assert data["mode"] == "brownfield" and data["project_type"] == ptype
    assert evidence in data["detection"]["used"]["evidence"]
    config = (root / ".cadence/config.yml").read_text()
    from cadence import yamlio
    block = yamlio.load(config)["project"][ptype]
    assert {k: block[k] for k in settings} == settings
    assert json.loads((root / ".cadence/state.json").read_text())["mode"] == "brownfield"


def test_flags_win_over_detection(cli, tmp_path):
    root = unpack("microblog", tmp_path)
    r = cli("--root", root, "init", "--no-input", "--project-type", "backend", "--json")
    assert r.code == 0, r
    from cadence import yamlio
    block = yamlio.load((root / ".cadence/config.yml").read_text())["project"]["backend"]
    assert block["auth"] == "jwt" and block["messaging"] == "queue" and "relational" in block["data-store"]
    r = cli("--root", root, "init", "--no-input", "--force", "--web-rendering", "spa", "--json")
    assert r.code == 0, r
    block = yamlio.load((root / ".cadence/config.yml").read_text())["project"]["web-app"]
    assert block["rendering"] == "spa" and block["auth-flow"] == "session"


def test_ambiguous_repository_needs_a_decision(cli, repo):
    (repo / "package.json").write_text(json.dumps({"name": "app", "dependencies": {"react-dom": "19",
                                                                                    "express": "5"}}))
    r = cli("--root", repo, "init", "--no-input")
    assert r.code == 4 and "PROJECT_TYPE_AMBIGUOUS" in r.err and "--project-type web-app|backend" in r.err
    assert "package.json: dependencies react-dom 19" in r.err
    assert not (repo / ".cadence").exists()
    assert cli("--root", repo, "init", "--no-input", "--project-type", "web-app", "--web-rendering", "spa").code == 0


FOUND = {  # what each repository already has, as the adoption plan reports it
    "jaffle_shop": {"tech-stack": "dbt_project.yml", "tdd": "models/schema.yml"},
    "microblog": {"tech-stack": "requirements.txt", "dev-env-setup": ".flaskenv", "operations": "Procfile"},
    "tenacity": {"coding-standards": "pyproject.toml:98 [tool.ruff]", "tdd": "pyproject.toml:93 [tool.pytest",
                 "git-workflow": ".mergify.yml"},
    "tldr-python-client": {"coding-standards": ".flake8", "security": ".github/dependabot.yml"},
}


def adopted(cli, tmp_path, name):
    root = unpack(name, tmp_path)
    assert cli("--root", root, "init", "--no-input", "--methodology", "brownfield").code == 0
    return root


@pytest.mark.parametrize("name", list(FOUND))
def test_plan_then_apply_with_and_without_drift(cli, tmp_path, name):
    root = adopted(cli, tmp_path, name)
    tracked = git(root, "diff")  # init's .gitignore block; adopt must change no tracked file
    plan = cli("--root", root, "adopt", "--json").json["data"]
    steps = {s["step"]: s for s in plan["steps"]}
    assert {"tech-stack", "coding-standards", "tdd"} <= set(plan["adoption_mode"])
    for step, evidence in FOUND[name].items():
        assert any(f.startswith(evidence) for f in steps[step]["found"]), (step, steps[step]["found"])
    assert plan["detection"]["chosen"]["type"] == EXPECTED[name][0]
    # a contributor guide appears after the plan was made: the reviewed key no longer matches the repository
    (root / "CONTRIBUTING.md").write_text("# Contributing\n\n## Coding style\n\nFollow the configured linters.\n")
    r = cli("--root", root, "adopt", "--apply", "--plan-key", plan["plan_key"])
    assert r.code == 3 and "PLAN_DRIFT" in r.err
    assert (root / ".cadence/decisions.jsonl").read_text() == ""
    fresh = cli("--root", root, "adopt", "--json").json["data"]
    assert fresh["artifact_map"] == {"coding-standards": "CONTRIBUTING.md"}
    r = cli("--root", root, "adopt", "--apply", "--plan-key", fresh["plan_key"], "--json")
    assert r.code == 0 and [c["step"] for c in r.json["data"]["changes"]] == ["coding-standards"]
    status = {s["name"]: s["status"] for s in cli("--root", root, "status", "--json").json["data"]["steps"]}
    assert status["coding-standards"] == "completed" and status["tech-stack"] == "pending"
    assert "CONTRIBUTING.md" in cli("--root", root, "decisions").out
    assert not (root / "docs/coding-standards.md").exists() and git(root, "diff") == tracked


def test_adoption_mode_prompt_for_tech_stack_names_the_real_dependencies(cli, tmp_path):
    root = adopted(cli, tmp_path, "microblog")
    r = cli("--root", root, "run", "tech-stack", "--preview", "--json")
    assert r.code == 0, r
    d = r.json["data"]
    prompt = d["prompt"]
    assert d["mode"] == "adoption" and d["knowledge"][0] == "adopting-existing-codebase"
    assert "ADOPTION MODE" in prompt and "Never propose rewriting working code" in prompt
    assert "## Adoption Mode" in prompt and "records the stack that is there" in prompt
    assert "## Repository File: requirements.txt" in prompt and "15 | Flask==3.0.0" in prompt
    assert "SQLAlchemy==2.0.23" in prompt and "## Repository File: Dockerfile" in prompt


def test_adoption_mode_for_coding_standards_reads_the_configured_linters(cli, tmp_path):
    root = adopted(cli, tmp_path, "tenacity")
    d = cli("--root", root, "run", "coding-standards", "--preview", "--force", "--json").json["data"]
    assert d["mode"] == "adoption" and "pyproject.toml" in d["context"]
    assert 'select = ["ASYNC", "B"' in d["prompt"] and "Derive the rules from the linters" in d["prompt"]
    assert "## Repository File: .editorconfig" in d["prompt"]


def test_a_mapped_file_is_the_prior_version_and_then_the_existing_output(cli, tmp_path):
    root = adopted(cli, tmp_path, "tldr-python-client")
    (root / "CONTRIBUTING.md").write_text("# Contributing\n\n## Code style\n\nflake8, max line 150.\n")
    cli("--root", root, "adopt", "--apply")
    d = cli("--root", root, "run", "coding-standards", "--preview", "--force", "--json").json["data"]
    assert d["mode"] == "update" and "## Existing Output: CONTRIBUTING.md" in d["prompt"]
    (root / "docs/testing.md").write_text("# Notes\n\nnothing yet\n")
    d = cli("--root", root, "adopt", "--json", "--map", "tdd=docs/testing.md").json["data"]
    assert next(s for s in d["steps"] if s["step"] == "tdd")["verdict"] == "partial"
    d = cli("--root", root, "run", "tdd", "--preview", "--force", "--json").json["data"]
    # a candidate that fails the contract is not a completion, but it is the prior version adoption starts from
    assert d["mode"] == "adoption" and "## Prior Version: docs/testing.md" in d["prompt"]
    assert "Treat `docs/testing.md` as the prior version" in d["prompt"]


def test_greenfield_prompts_carry_no_adoption_material(cli, repo):
    assert cli("--root", repo, "init", "--no-input").code == 0
    d = cli("--root", repo, "run", "tech-stack", "--preview", "--force", "--json").json["data"]
    assert d["mode"] == "fresh" and "## Adoption Mode" not in d["prompt"]
    assert "adopting-existing-codebase" not in d["knowledge"] and "ADOPTION MODE" not in d["prompt"]
