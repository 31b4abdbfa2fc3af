"""The pipeline half against its contract (product.md, pipeline.md), driven the way an outside suite drives it:
the CLI, `--json` envelopes and exit codes, in fresh git repositories."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests.cli.test_pipeline import DEEP_ORDER, MVP_ORDER, produce
from tests.conftest import run_inprocess, run_subprocess, tree_snapshot

SECTIONS = ["System", "Meta-Prompt", "Knowledge Base", "Project Context", "Methodology", "Instructions", "Execution"]
ENVELOPE_KEYS = {"ok", "data", "warnings", "error"}

# One valid flag set per project type (required settings only), and the overlay entry each must inject.
TYPE_FLAGS = {
    "web-app": (["--web-rendering", "spa"], "tech-stack", "web-app-rendering-strategies"),
    "backend": (["--backend-api-style", "rest"], "api-contracts", "backend-api-design"),
    "cli": (["--cli-interactivity", "args-only"], "dev-env-setup", "cli-shell-integration"),
    "library": (["--lib-visibility", "internal"], "tech-stack", "library-bundling"),
    "mobile-app": (["--mobile-platform", "ios"], "domain-modeling", "mobile-app-offline-patterns"),
    "data-pipeline": (["--pipeline-processing", "batch"], "operations", "data-pipeline-orchestration"),
    "ml": (["--ml-phase", "training"], "create-evals", "ml-model-evaluation"),
    "browser-extension": (["--project-type", "browser-extension"], "tech-stack", "browser-extension-manifest"),
    "game": (["--game-engine", "godot"], "tech-stack", "game-engine-selection"),
}
REQUIRED_FLAG = {"web-app": "--web-rendering", "backend": "--backend-api-style", "cli": "--cli-interactivity",
                 "library": "--lib-visibility", "mobile-app": "--mobile-platform",
                 "data-pipeline": "--pipeline-processing", "ml": "--ml-phase", "game": "--game-engine"}


def J(r):
    """The envelope of a --json run: exactly one JSON object on stdout with the four keys."""
    lines = [line for line in r.out.splitlines() if line.strip()]
    assert len(lines) == 1, r
    env = json.loads(lines[0])
    assert set(env) == ENVELOPE_KEYS, env
    assert env["ok"] is (r.code == 0), env
    if r.code:
        assert set(env["error"]) == {"code", "message", "hint"}
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", env["error"]["code"])
    return env


def init(cli, root: Path, *flags: str) -> dict:
    r = cli("--root", root, "init", "--no-input", "--json", *flags)
    assert r.code == 0, r
    return J(r)["data"]


def status(cli, root: Path) -> dict:
    return J(cli("--root", root, "status", "--json"))["data"]


# ------------------------------------------------------------------ init: flag matrices and cross-field rules

@pytest.mark.parametrize("ptype", sorted(TYPE_FLAGS))
def test_init_every_type_with_its_flags_writes_the_settings_block_with_defaults(cli, repo, ptype):
    flags, _, _ = TYPE_FLAGS[ptype]
    data = init(cli, repo, *flags)
    assert data["project_type"] == ptype
    cfg = (repo / ".cadence/config.yml").read_text()
    assert f"type: {ptype}" in cfg and f"  {ptype}:" in cfg
    info = J(cli("--root", repo, "info", "--json"))["data"]
    assert info["project_type"] == ptype
    # family flags alone imply the type; --project-type naming the same type is accepted too
    other = repo.parent / f"other-{ptype}"
    other.mkdir()
    subprocess.run(["git", "init", "-q", other], check=True)
    assert init(cli, other, "--project-type", ptype, *flags)["project_type"] == ptype


@pytest.mark.parametrize("ptype", sorted(REQUIRED_FLAG))
def test_init_missing_required_setting_is_exit_1_naming_the_flag_and_writes_nothing(cli, repo, ptype):
    r = cli("--root", repo, "init", "--no-input", "--json", "--project-type", ptype)
    assert r.code == 1 and REQUIRED_FLAG[ptype] in J(r)["error"]["message"]
    assert sorted(p.name for p in repo.iterdir()) == [".git"]


CROSS_FIELD = [
    ["--lib-visibility", "public", "--lib-doc-level", "none"],
    ["--web-rendering", "ssr", "--web-deploy-target", "static"],
    ["--web-rendering", "hybrid", "--web-deploy-target", "static"],
    ["--web-rendering", "spa", "--web-auth-flow", "session", "--web-deploy-target", "static"],
    ["--ml-phase", "inference", "--ml-serving", "none"],
    ["--ml-phase", "both", "--ml-serving", "none"],
    ["--ml-phase", "training", "--ml-serving", "realtime"],
    ["--project-type", "browser-extension", "--ext-ui-surfaces", "", "--no-ext-content-script",
     "--no-ext-background-worker"],
    ["--game-engine", "unity", "--game-online-services", "leaderboards"],
    ["--game-engine", "unity", "--game-multiplayer", "local", "--game-online-services", "accounts"],
    ["--backend-api-style", "none", "--backend-auth", "jwt"],
    # flag level
    ["--web-rendering", "spa", "--backend-api-style", "rest"],
    ["--game-engine", "unity", "--project-type", "web-app"],
    ["--cli-interactivity", "hybrid", "--project-type", "library"],
    ["--depth", "3"],
    ["--methodology", "mvp", "--depth", "2"],
    ["--methodology", "custom", "--depth", "6"],
    ["--game-engine", "unity", "--game-locales", "en,english"],
    ["--web-rendering", "spx"],
    ["--methodology", "deeep"],
    ["--clients", "claude,cursor"],
    ["--traits", "tv"],
]


@pytest.mark.parametrize("flags", CROSS_FIELD, ids=[" ".join(f) for f in CROSS_FIELD])
def test_init_invalid_combinations_are_exit_1_and_create_nothing(cli, repo, flags):
    r = cli("--root", repo, "init", "--no-input", "--json", *flags)
    env = J(r)
    assert r.code == 1, r
    assert env["error"]["message"] and env["error"]["hint"]
    assert sorted(p.name for p in repo.iterdir()) == [".git"]  # validated before anything was written


VALID = [
    ["--lib-visibility", "internal", "--lib-doc-level", "none"],
    ["--web-rendering", "ssg", "--web-deploy-target", "static"],
    ["--web-rendering", "spa", "--web-auth-flow", "oauth", "--web-deploy-target", "static"],
    ["--ml-phase", "inference"],
    ["--ml-phase", "both", "--ml-serving", "batch"],
    ["--project-type", "browser-extension", "--ext-ui-surfaces", "", "--ext-content-script",
     "--no-ext-background-worker"],
    ["--game-engine", "unity", "--game-multiplayer", "hybrid", "--game-online-services", "leaderboards,accounts"],
    ["--backend-api-style", "none"],
    ["--methodology", "custom", "--depth", "2"],
    ["--game-engine", "unity", "--game-locales", "en", "--game-locales", "fr-CA,de"],
]


@pytest.mark.parametrize("flags", VALID, ids=[" ".join(f) for f in VALID])
def test_init_valid_combinations_succeed(cli, repo, flags):
    init(cli, repo, *flags)
    assert J(cli("--root", repo, "validate", "--json"))["data"]["errors"] == 0


def test_init_defaults_lists_and_booleans(cli, repo):
    init(cli, repo, "--backend-api-style", "graphql", "--backend-data-store", "document",
         "--backend-data-store", "key-value,document")
    cfg = (repo / ".cadence/config.yml").read_text()
    assert "data-store: [document, key-value]" in cfg and "deploy-target: container" in cfg and "auth: none" in cfg
    other = repo.parent / "ml"
    other.mkdir()
    init(cli, other, "--ml-phase", "inference", "--no-ml-experiment-tracking")
    cfg = (other / ".cadence/config.yml").read_text()
    assert "serving: realtime" in cfg and "experiment-tracking: false" in cfg


def test_init_without_type_is_generic_deep_and_records_the_layout(cli, repo):
    data = init(cli, repo)
    assert data["methodology"] == "deep" and data["project_type"] is None and data["mode"] == "greenfield"
    d = repo / ".cadence"
    assert (d / "config.yml").is_file() and (d / "decisions.jsonl").read_text() == ""
    state = json.loads((d / "state.json").read_text())
    assert state["schema"] == 1 and state["methodology"] == "deep" and state["mode"] == "greenfield"
    from cadence import __version__
    assert state["cadence"] == __version__
    for entry in state["steps"].values():
        assert {"status", "at", "depth", "source", "outputs", "reason"} <= set(entry) and entry["status"] == "pending"
    assert (d / "state.json").stat().st_mode & 0o777 == (d / "config.yml").stat().st_mode & 0o777
    assert d.stat().st_mode & 0o777 == (d / "instructions").stat().st_mode & 0o777
    gi = (repo / ".gitignore").read_text()
    for ignored in (".cadence/loop.json", ".cadence/gate.json", ".cadence/sessions/", ".cadence/.lock", ".worktrees/"):
        assert ignored in gi
    r = cli("--root", repo, "init", "--no-input", "--json")
    assert r.code == 1 and "--force" in J(r)["error"]["hint"]


def test_init_idea_suggests_mvp_and_brownfield_is_detected(cli, repo):
    (repo / "pyproject.toml").write_text("[project]\nname='x'\n")
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("print(1)\n")
    data = init(cli, repo, "--idea", "a quick prototype for a weekend")
    assert data["methodology"] == "mvp" and data["mode"] == "brownfield"


def test_init_force_backs_up_and_keeps_finished_steps(cli, repo):
    init(cli, repo)
    produce(repo, ["docs/vision.md"])
    assert cli("--root", repo, "complete", "create-vision").code == 0
    assert cli("--root", repo, "skip", "beads", "--reason", "no tracker").code == 0
    data = init(cli, repo, "--force", "--methodology", "custom", "--depth", "2")
    assert data["backup"].startswith(".cadence.backup-") and (repo / data["backup"] / "state.json").is_file()
    st = {s["name"]: s for s in status(cli, repo)["steps"]}
    assert st["create-vision"]["status"] == "completed" and st["beads"]["status"] == "skipped"
    assert st["tdd"]["depth"] == 2


# ------------------------------------------------------------------ step orders

def walk(cli, root: Path) -> list[str]:
    done = []
    for _ in range(200):
        eligible = [e for e in J(cli("--root", root, "next", "--json"))["data"]["eligible"] if e["phase"] != "build"]
        if not eligible:
            break
        name = eligible[0]["name"]
        assert set(eligible[0]) >= {"name", "phase", "order", "summary", "command"}
        assert cli("--root", root, "run", name, "--json").code == 0
        produce(root, J(cli("--root", root, "info", name, "--json"))["data"]["outputs"])
        r = cli("--root", root, "complete", name, "--json")
        assert r.code == 0 and J(r)["data"] == {**J(r)["data"], "step": name, "status": "completed"}
        done.append(name)
    return done


@pytest.mark.parametrize("methodology,expected", [("deep", DEEP_ORDER), ("mvp", MVP_ORDER)])
def test_deep_and_mvp_step_orders(cli, repo, methodology, expected):
    init(cli, repo, "--methodology", methodology)
    assert walk(cli, repo) == expected
    pr = status(cli, repo)["progress"]
    assert pr == {"enabled": len(expected), "completed": len(expected), "skipped": 0, "pending": 0,
                  "in_progress": 0, "percent": 100}
    nxt = J(cli("--root", repo, "next", "--json"))["data"]["eligible"]
    assert [e["name"] for e in nxt] == ["single-agent-start", "single-agent-resume", "multi-agent-start",
                                        "multi-agent-resume", "quick-task", "new-enhancement"]


def test_next_starts_with_the_four_root_steps_in_order(cli, repo):
    init(cli, repo)
    nxt = J(cli("--root", repo, "next", "--json"))["data"]["eligible"]
    assert [e["name"] for e in nxt] == ["create-vision", "create-prd", "beads", "tech-stack"]
    assert nxt[0]["command"] == "cadence run create-vision" and nxt[0]["phase"] == "vision" and nxt[0]["order"] == 8
    assert [e["name"] for e in J(cli("--root", repo, "next", "--count", "2", "--json"))["data"]["eligible"]] == \
        ["create-vision", "create-prd"]


# ------------------------------------------------------------------ status: shape and counts

def test_status_shape_and_counts_cover_enabled_applicable_stateful_steps(cli, repo):
    init(cli, repo, "--methodology", "mvp")
    d = status(cli, repo)
    assert set(d) >= {"methodology", "project_type", "progress", "steps"} and d["methodology"] == "mvp"
    assert set(d["progress"]) == {"enabled", "completed", "skipped", "pending", "in_progress", "percent"}
    assert d["progress"]["enabled"] == 13 and d["progress"]["percent"] == 0
    for s in d["steps"]:
        assert set(s) >= {"name", "phase", "order", "status", "enabled", "applicable", "conditional", "depth"}
    assert cli("--root", repo, "skip", "beads", "--reason", "disabled anyway").code == 0
    assert status(cli, repo)["progress"]["skipped"] == 0  # a disabled step never counts
    compact = J(cli("--root", repo, "status", "--compact", "--json"))["data"]["steps"]
    assert {s["name"] for s in compact if s["phase"] != "build"} == set(MVP_ORDER)
    pre = J(cli("--root", repo, "status", "--phase", "pre", "--json"))["data"]["steps"]
    assert {s["phase"] for s in pre} == {"pre"}
    assert cli("--root", repo, "status", "--phase", "1-2", "--json").code == 0


def test_game_predicates_not_applicable_steps_shown_skipped_but_never_counted(cli, repo):
    init(cli, repo, "--game-engine", "unity")
    d = status(cli, repo)
    st = {s["name"]: s for s in d["steps"]}
    na = [n for n, s in st.items() if s["enabled"] and not s["applicable"]]
    assert sorted(na) == sorted(["narrative-bible", "netcode-spec", "review-netcode", "ai-behavior-design",
                                 "economy-design", "review-economy", "online-services-spec", "live-ops-plan",
                                 "modding-ugc-spec", "platform-cert-prep"])
    assert all(st[n]["status"] == "skipped" for n in na)
    assert d["progress"]["percent"] == 0 and d["progress"]["skipped"] == 0
    assert d["progress"]["enabled"] == 75 - len(na)
    assert not st["design-system"]["enabled"] and st["game-design-document"]["enabled"]
    nxt = [e["name"] for e in J(cli("--root", repo, "next", "--json"))["data"]["eligible"]]
    assert not set(na) & set(nxt)
    # with the settings that make them apply, they do
    other = repo.parent / "online-game"
    other.mkdir()
    init(cli, other, "--game-engine", "unreal", "--game-multiplayer", "online", "--game-narrative", "light",
         "--game-online-services", "live-ops", "--game-target-platforms", "pc,ps5", "--game-npc-ai", "simple",
         "--game-economy", "monetized", "--game-modding")
    st2 = {s["name"]: s for s in status(cli, other)["steps"]}
    assert all(st2[n]["applicable"] for n in na)


def test_mvp_game_enables_the_game_steps_and_user_overrides_win_over_the_overlay(cli, repo):
    init(cli, repo, "--methodology", "mvp", "--game-engine", "godot")
    st = {s["name"]: s for s in status(cli, repo)["steps"]}
    assert st["game-design-document"]["enabled"] and not st["design-system"]["enabled"]
    cfg = repo / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("steps: {}", "steps:\n  design-system: {enabled: true}\n"
                                           "  tdd: {depth: 4}"))
    st = {s["name"]: s for s in status(cli, repo)["steps"]}
    assert st["design-system"]["enabled"] and st["tdd"]["depth"] == 4 and st["tech-stack"]["depth"] == 1


# ------------------------------------------------------------------ read-only commands

def _snapshot(root: Path) -> dict[str, tuple]:
    return {p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else None)
            for p in sorted(root.rglob("*")) if ".git" not in p.relative_to(root).parts}


def test_read_only_commands_never_write_even_when_state_needs_migration(cli, repo):
    init(cli, repo, "--web-rendering", "ssr")
    state_path = repo / ".cadence/state.json"
    state = json.loads(state_path.read_text())
    state["steps"]["testing-strategy"] = state["steps"].pop("tdd")  # an old name that migrates on load
    state["steps"]["testing-strategy"]["status"] = "completed"
    state_path.write_text(json.dumps(state))
    before = _snapshot(repo)
    for args in (["status"], ["status", "--json"], ["status", "--compact"], ["next"], ["next", "--json"], ["info"],
                 ["info", "tdd", "--json"], ["list"], ["check", "design-system"], ["check", "add-e2e-testing"],
                 ["run", "create-vision", "--preview"], ["decisions", "list"], ["validate"]):
        r = cli("--root", repo, *args)
        assert r.code == 0, (args, r)
    assert _snapshot(repo) == before
    assert J(cli("--root", repo, "info", "tdd", "--json"))["data"]["status"] == "completed"  # migrated in memory


def test_read_only_commands_from_a_subdirectory_find_the_project(repo):
    run_inprocess("--root", repo, "init", "--no-input")
    sub = repo / "src" / "deep"
    sub.mkdir(parents=True)
    r = run_subprocess("next", "--json", cwd=sub)
    assert r.code == 0 and json.loads(r.out)["data"]["eligible"][0]["name"] == "create-vision"


# ------------------------------------------------------------------ run: JSON shape, blocking, assembly

def test_run_json_shape_and_state(cli, project):
    r = cli("--root", project, "run", "create-vision", "--json")
    d = J(r)["data"]
    assert set(d) >= {"step", "depth", "update_mode", "prompt", "bytes", "knowledge", "context", "omitted"}
    assert d["step"] == "create-vision" and d["depth"] == 5 and d["update_mode"] is False
    assert d["bytes"] == len(d["prompt"].encode()) and d["knowledge"] == ["vision-craft"]
    entry = json.loads((project / ".cadence/state.json").read_text())["steps"]["create-vision"]
    assert entry["status"] == "in_progress" and entry["source"] == "cli" and entry["depth"] == 5 and entry["at"]
    # --preview and stateless steps/tools never change state
    snap = tree_snapshot(project)
    assert cli("--root", project, "run", "create-prd", "--preview").code == 0
    assert cli("--root", project, "run", "release", "--dry-run").code == 0
    assert tree_snapshot(project) == snap


def test_blocked_unknown_and_invalid_runs(cli, project):
    r = cli("--root", project, "run", "review-vision", "--json")
    env = J(r)
    assert r.code == 2 and "create-vision" in env["error"]["message"]
    assert env["data"]["missing"] == ["create-vision"]
    snap = tree_snapshot(project)
    r = cli("--root", project, "run", "review-vision", "--force", "--preview", "--json")
    assert r.code == 0
    r = cli("--root", project, "run", "create-visoin", "--json")
    assert r.code == 1 and "create-vision" in J(r)["error"]["hint"]
    for bad in (["--depth", "0"], ["--depth", "6"]):
        r = cli("--root", project, "run", "create-vision", *bad, "--json")
        assert r.code == 1
    assert tree_snapshot(project) == snap  # failures never touch state


@pytest.mark.parametrize("ptype", sorted(TYPE_FLAGS))
@pytest.mark.parametrize("depth", [1, 3, 5])
def test_assembly_per_project_type_and_depth(cli, repo, ptype, depth):
    flags, step, entry = TYPE_FLAGS[ptype]
    init(cli, repo, *flags)
    r = cli("--root", repo, "run", step, "--preview", "--force", "--depth", str(depth), "--json")
    d = J(r)["data"]
    prompt = d["prompt"]
    heads = [h for h in re.findall(r"^# (.+)$", prompt, re.M) if h in SECTIONS]
    assert heads == SECTIONS
    assert entry in d["knowledge"] and f"## {entry}:" in prompt
    system = prompt.split("\n# Meta-Prompt\n")[0]
    assert step in system and "deep" in system and f"{depth}/5" in system and f"type {ptype}" in system
    meta = prompt.split("\n# Meta-Prompt\n")[1].split("\n# Knowledge Base\n")[0]
    assert not re.search(r"^\s*[-*]\s+\((mvp|deep|depth \d\+)\)", meta, re.M)  # criteria tags resolved
    scaling = re.search(r"## Methodology Scaling\n\n(.*?)\n\n## ", meta, re.S).group(1)
    assert scaling.lstrip("- ").startswith(f"Depth {depth}:") and "Depth" not in scaling.split(":", 1)[1]
    kb = prompt.split("\n# Knowledge Base\n")[1].split("\n# Project Context\n")[0]
    assert "## Deep Guidance" not in kb and "## Summary" not in kb  # the section body, not the whole entry
    assert f"cadence complete {step}" in prompt.split("\n# Execution\n")[1]


def test_depth_changes_criteria_scaling_and_knowledge(cli, project):
    shallow = J(cli("--root", project, "run", "tech-stack", "--preview", "--depth", "1", "--json"))["data"]["prompt"]
    deep = J(cli("--root", project, "run", "tech-stack", "--preview", "--depth", "5", "--json"))["data"]["prompt"]
    assert len(shallow) < len(deep) / 2
    body = (Path(__file__).parents[2] / "src/cadence/content/pipeline/foundation/tech-stack.md").read_text()
    crit = body.split("## Quality Criteria")[1].split("\n## ")[0]
    deep_only = [re.sub(r"^\s*[-*]\s+\(deep\)\s*", "", line).strip() for line in crit.splitlines()
                 if "(deep)" in line]
    assert deep_only and all(c[:40] not in shallow and c[:40] in deep for c in deep_only)


def test_assembly_context_update_mode_budget_instructions_and_determinism(cli, project):
    produce(project, ["docs/vision.md", "docs/plan.md"])
    (project / "docs/plan.md").write_text("# Plan\n" + "requirement\n" * 50)
    for step in ("create-vision", "create-prd"):
        assert cli("--root", project, "complete", step).code == 0
    assert cli("--root", project, "decisions", "add", "--step", "create-prd", "Use PostgreSQL 17").code == 0
    assert cli("--root", project, "decisions", "add", "--step", "beads", "Unrelated").code == 0
    (project / ".cadence/instructions/global.md").write_text("GLOBAL-RULE")
    (project / ".cadence/instructions/tech-stack.md").write_text("STEP-RULE")
    args = ("--root", project, "run", "tech-stack", "--preview", "--instructions", "INLINE-RULE", "--json")
    d = J(cli(*args))["data"]
    assert d["context"] == ["docs/plan.md"] and d["update_mode"] is False
    ctx = d["prompt"].split("\n# Project Context\n")[1].split("\n# Methodology\n")[0]
    assert "requirement" in ctx and "Use PostgreSQL 17" in ctx and "Unrelated" not in ctx
    instr = d["prompt"].split("\n# Instructions\n")[1]
    assert instr.index("GLOBAL-RULE") < instr.index("STEP-RULE") < instr.index("INLINE-RULE")
    assert J(cli(*args))["data"]["prompt"] == d["prompt"]  # byte-identical
    produce(project, ["docs/tech-stack.md"])
    d = J(cli(*args))["data"]
    assert d["update_mode"] is True and "docs/tech-stack.md" in d["context"]
    cfg = project / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("context-budget: 120000", "context-budget: 30"))
    d = J(cli(*args))["data"]
    assert "docs/plan.md" in d["omitted"] and "docs/plan.md" not in d["context"]
    assert "Omitted context" in d["prompt"] and "docs/plan.md" in d["prompt"].split("Omitted context")[1]


def test_directory_outputs_are_expanded_into_context(cli, project):
    adrs = project / "docs/adrs"
    adrs.mkdir(parents=True)
    (adrs / "001-db.md").write_text("# ADR 1: PostgreSQL\n")
    (adrs / "002-queue.md").write_text("# ADR 2: no queue\n")
    d = J(cli("--root", project, "run", "system-architecture", "--preview", "--force", "--json"))["data"]
    assert {"docs/adrs/001-db.md", "docs/adrs/002-queue.md"} <= set(d["context"])
    assert "ADR 2: no queue" in d["prompt"]


def test_knowledge_override_wins_by_name(cli, project):
    assert cli("--root", project, "knowledge", "override", "vision-craft").code == 0
    p = project / ".cadence/knowledge/vision-craft.md"
    p.write_text(p.read_text().replace("## Deep Guidance", "## Deep Guidance\n\nHOUSE-RULE-42"))
    assert "HOUSE-RULE-42" in cli("--root", project, "run", "create-vision", "--preview").out


# ------------------------------------------------------------------ evidence on complete; skip, reset, rework

def test_complete_requires_every_output_and_records_evidence(cli, project):
    r = cli("--root", project, "complete", "beads", "--json")
    assert r.code == 2 and J(r)["error"]["code"] and set(J(r)["data"]["missing"]) == {".beads/", "tasks/lessons.md",
                                                                                      "CLAUDE.md"}
    produce(project, ["tasks/lessons.md", "CLAUDE.md"])
    (project / ".beads").mkdir()
    (project / ".beads/.gitkeep").write_text("")
    r = cli("--root", project, "complete", "beads", "--json")
    assert r.code == 2 and J(r)["data"]["missing"] == [".beads/"]  # an empty directory (or only a .gitkeep)
    (project / ".beads/issues.jsonl").write_text("{}\n")
    r = cli("--root", project, "complete", "beads", "--json")
    assert r.code == 0 and {"step": "beads", "status": "completed"}.items() <= J(r)["data"].items()
    entry = json.loads((project / ".cadence/state.json").read_text())["steps"]["beads"]
    assert entry["status"] == "completed" and entry["depth"] == 5 and entry["source"] == "cli" and entry["at"]
    assert sorted(entry["outputs"]) == sorted([".beads/", "tasks/lessons.md", "CLAUDE.md"])
    assert entry["reason"] is None


def test_complete_uses_the_depth_the_step_ran_at(cli, project):
    assert cli("--root", project, "run", "create-vision", "--depth", "2").code == 0
    produce(project, ["docs/vision.md"])
    assert J(cli("--root", project, "complete", "create-vision", "--json"))["data"]["depth"] == 2
    produce(project, ["docs/reviews/vision-review-vision.md"])
    assert cli("--root", project, "complete", "review-vision").code == 0


def test_skip_reset_rework_shapes(cli, project):
    r = cli("--root", project, "skip", "beads", "design-system", "--reason", "not needed", "--json")
    assert r.code == 0 and {"step": "beads", "status": "skipped"}.items() <= J(r)["data"].items()
    entry = json.loads((project / ".cadence/state.json").read_text())["steps"]["design-system"]
    assert entry["status"] == "skipped" and entry["reason"] == "not needed"
    r = cli("--root", project, "reset", "beads", "--json")
    assert J(r)["data"] == {"step": "beads", "status": "pending"}
    produce(project, ["docs/vision.md"])
    cli("--root", project, "complete", "create-vision")
    r = cli("--root", project, "rework", "--phase", "vision", "--depth", "2", "--json")
    assert J(r)["data"]["steps"] == ["create-vision"] and (project / "docs/vision.md").is_file()
    d = J(cli("--root", project, "run", "create-vision", "--json"))["data"]
    assert d["update_mode"] is True and d["depth"] == 2
    r = cli("--root", project, "reset", "--all", "--json")
    assert r.code == 4 and J(r)["error"]
    assert cli("--root", project, "reset", "--all", "--yes").code == 0
    assert status(cli, project)["progress"]["pending"] == 54 and (project / "docs/vision.md").is_file()


def test_stateless_steps_cannot_complete_and_unknown_steps_are_usage_errors(cli, project):
    for args in (["complete", "quick-task"], ["skip", "release", "--reason", "x"], ["complete", "nope"],
                 ["skip", "nope", "--reason", "x"], ["reset", "nope"], ["info", "nope"], ["check", "nope"]):
        r = cli("--root", project, *args, "--json")
        assert r.code == 1, (args, r)
    r = cli("--root", project, "skip", "beads", "--json")
    assert r.code == 1  # --reason is required


def test_adopt_proposes_then_applies(cli, project):
    produce(project, ["docs/vision.md", "docs/tech-stack.md", "CLAUDE.md"])
    d = J(cli("--root", project, "adopt", "--json"))["data"]
    names = [p["step"] for p in d["proposed"]]
    assert "create-vision" in names and "tech-stack" in names and "beads" not in names and not d["applied"]
    assert status(cli, project)["progress"]["completed"] == 0
    d = J(cli("--root", project, "adopt", "--apply", "--json"))["data"]
    assert d["applied"] and status(cli, project)["progress"]["completed"] == len(names)


def test_info_and_check_shapes(cli, repo):
    init(cli, repo, "--game-engine", "unity", "--game-narrative", "heavy")
    d = J(cli("--root", repo, "info", "user-stories", "--json"))["data"]
    assert set(d) >= {"name", "phase", "order", "description", "summary", "stateless", "conditional", "applicable",
                      "enabled", "status", "depth", "dependencies", "outputs", "knowledge", "reads"}
    assert {"name": "review-gdd", "status": "pending"} in d["dependencies"]  # game overlay dependency
    c = J(cli("--root", repo, "check", "narrative-bible", "--json"))["data"]
    assert c["applicable"] is True and c["reasons"]
    c = J(cli("--root", repo, "check", "netcode-spec", "--json"))["data"]
    assert c["applicable"] is False and any("multiplayer" in r for r in c["reasons"])


def test_list_works_without_a_project(cli, repo):
    d = J(cli("--root", repo, "list", "--json"))["data"]
    assert [m["name"] for m in d["methodologies"]] == ["deep", "mvp", "brownfield", "custom"]
    assert len(d["project_types"]) == 9 and len(d["tools"]) == 10 and d["clients"]


def test_decisions_list_and_add(cli, project):
    r = cli("--root", project, "decisions", "add", "--step", "tech-stack", "--category", "technology", "Use Go 1.23",
            "--json")
    rec = J(r)["data"]
    assert set(rec) >= {"id", "step", "text", "category", "at", "by"} and rec["id"] == "D-001"
    assert J(cli("--root", project, "decisions", "--json"))["data"]["decisions"][0]["text"] == "Use Go 1.23"
    cli("--root", project, "decisions", "add", "Second")
    assert [d["text"] for d in J(cli("--root", project, "decisions", "list", "--last", "1", "--json"))["data"]
            ["decisions"]] == ["Second"]
    assert cli("--root", project, "decisions", "list", "--last", "0", "--json").code == 1
    line = (project / ".cadence/decisions.jsonl").read_text().splitlines()[0]
    assert json.loads(line)["id"] == "D-001"


# ------------------------------------------------------------------ validate

def test_validate_reports_local_problems_with_file_and_field(cli, project):
    (project / ".cadence/instructions/tech-stak.md").write_text("typo in the name")
    d = J(cli("--root", project, "validate", "--json"))["data"]
    probs = {p["code"]: p for p in d["problems"]}
    assert "tech-stack" in probs["INSTRUCTIONS_UNKNOWN_STEP"]["message"]
    assert d["valid"] and cli("--root", project, "validate", "--strict").code == 1
    (project / ".cadence/state.json").unlink()
    r = cli("--root", project, "validate", "--json")
    assert r.code == 1 and any(p["code"] == "STATE_MISSING" for p in J(r)["data"]["problems"])


# ------------------------------------------------------------------ corrupt state, lock, concurrency

@pytest.mark.parametrize("content", ["", "{", "[]", '{"schema": 99, "steps": {}}', '{"schema": 1, "steps": []}',
                                     '{"schema": 1, "steps": {"tdd": {"status": "finished"}}}'])
def test_corrupt_state_is_exit_3_with_path_and_fix_for_every_command(cli, project, content):
    (project / ".cadence/state.json").write_text(content)
    for args in (["status"], ["next"], ["run", "create-vision"], ["complete", "create-vision"],
                 ["skip", "beads", "--reason", "x"], ["info"]):
        r = cli("--root", project, *args, "--json")
        err = J(r)["error"]
        assert r.code == 3 and ".cadence/state.json" in err["message"] and "doctor --repair" in err["hint"], args


def test_doctor_repair_restores_the_backup_and_keeps_both_copies(cli, project):
    produce(project, ["docs/vision.md"])
    assert cli("--root", project, "complete", "create-vision").code == 0
    assert cli("--root", project, "skip", "beads", "--reason", "x").code == 0
    state = project / ".cadence/state.json"
    state.write_text("garbage")
    assert cli("--root", project, "status").code == 3
    assert cli("--root", project, "doctor", "--repair").code == 0
    st = {s["name"]: s["status"] for s in status(cli, project)["steps"]}
    assert st["create-vision"] == "completed"  # the .bak held the state before the last write
    assert (project / ".cadence/state.json.corrupt").read_text() == "garbage"
    bak = json.loads((project / ".cadence/state.json.bak").read_text())  # still a good backup
    assert bak["steps"]["create-vision"]["status"] == "completed"


def test_lock_held_is_exit_3_naming_the_holder(cli, project):
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\nfrom pathlib import Path\nfrom cadence.project.lock import project_lock\n"
        f"with project_lock(Path({str(project)!r}), 'held by test'):\n    print('locked', flush=True)\n"
        "    time.sleep(30)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        r = run_subprocess("--root", project, "complete", "create-vision", "--force", "--wait", "0.3", "--json")
        err = json.loads(r.out)["error"]
        assert r.code == 3 and str(holder.pid) in err["message"] and "held by test" in err["message"]
    finally:
        holder.kill()
        holder.wait()
    r = run_subprocess("--root", project, "skip", "beads", "--reason", "after the holder died", "--json")
    assert r.code == 0  # a dead holder leaves no stale lock


def test_concurrent_processes_lose_no_update(repo):
    run_inprocess("--root", repo, "init", "--no-input")
    names = [s["name"] for s in json.loads(run_inprocess("--root", repo, "status", "--json").out)["data"]["steps"]
             if s["enabled"] and s["phase"] != "build"][:24]
    env = {**os.environ}
    procs = [subprocess.Popen([sys.executable, "-m", "cadence", "--root", str(repo), "skip", n, "--reason", f"r-{n}",
                               "--wait", "60"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for n in names]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    state = json.loads((repo / ".cadence/state.json").read_text())
    assert all(state["steps"][n]["status"] == "skipped" and state["steps"][n]["reason"] == f"r-{n}" for n in names)


# ------------------------------------------------------------------ CLI contract

def test_not_initialised_is_exit_2(cli, repo):
    for args in (["next"], ["status"], ["run", "create-vision"], ["complete", "tdd"], ["info"]):
        r = cli("--root", repo, *args, "--json")
        assert r.code == 2 and J(r)["error"]["code"] == "NOT_INITIALIZED", args


def test_json_mode_always_prints_one_document(cli, project):
    for args in (["--json"], ["--json", "--help"], ["status", "--help", "--json"], ["--json", "bogus"],
                 ["status", "--bogus", "--json"], ["run", "--json"], ["decisions", "--json"],
                 ["next", "--count", "x", "--json"]):
        r = cli("--root", project, *args)
        J(r)
        assert r.code in (0, 1), (args, r)


def test_human_mode_errors_go_to_stderr_with_a_fix(project):
    r = run_subprocess("--root", project, "run", "review-vision")
    assert r.code == 2 and r.out == "" and "create-vision" in r.err and "Traceback" not in r.err
    assert "\x1b[" not in r.err


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
def test_knowledge_is_summary_at_depth_1_2_and_deep_guidance_at_3_5(cli, project, depth):
    from cadence.content.loader import knowledge_path
    from cadence.core.frontmatter import section, split
    d = J(cli("--root", project, "run", "review-prd", "--preview", "--force", "--depth", str(depth), "--json"))["data"]
    kb = d["prompt"].split("\n# Knowledge Base\n")[1].split("\n# Project Context\n")[0]
    for name in d["knowledge"]:
        _, body = split(knowledge_path(name).read_text())
        summary, deep = section(body, "Summary"), section(body, "Deep Guidance")
        wanted, other = (deep, summary) if depth >= 3 else (summary, deep)
        assert wanted and wanted.strip()[:200] in kb, name
        assert other.strip()[:200] not in kb, name


def test_typo_options_are_errors_for_steps_but_arguments_for_tools(cli, project):
    snap = tree_snapshot(project)
    r = cli("--root", project, "run", "create-vision", "--dpeth", "3", "--json")
    assert r.code == 1 and "--dpeth" in J(r)["error"]["message"]
    assert tree_snapshot(project) == snap
    p = J(cli("--root", project, "run", "version-bump", "--dry-run", "--json"))["data"]["prompt"]
    assert "--dry-run" in p and "$ARGUMENTS" not in p


def test_config_edits_are_reflected_and_warned(cli, project):
    cfg = project / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("methodology: deep", "methodology: mvp\ndepth: 3")
                   .replace("steps: {}", "steps:\n  testing-strategy: {depth: 2}"))
    r = cli("--root", project, "status", "--json")
    env = J(r)
    assert env["data"]["methodology"] == "mvp" and env["data"]["progress"]["enabled"] == 13
    assert any("depth" in w for w in env["warnings"]) and any("testing-strategy" in w for w in env["warnings"])
    assert {s["name"]: s for s in env["data"]["steps"]}["tdd"]["depth"] == 2
    (project / ".cadence/instructions/global.md").write_text("  \n")
    r = cli("--root", project, "run", "create-vision", "--json")
    assert any("global.md is empty" in w for w in J(r)["warnings"])
    assert json.loads((project / ".cadence/state.json").read_text())["methodology"] == "mvp"


def test_a_torn_last_decision_line_never_swallows_the_next_record(cli, project):
    log = project / ".cadence/decisions.jsonl"
    log.write_text('{"id": "D-001", "step": "tech-stack", "text": "Use Go"}\n{"id": "D-002", "te')
    rec = J(cli("--root", project, "decisions", "add", "Use SQLite", "--json"))["data"]
    env = J(cli("--root", project, "decisions", "list", "--json"))
    assert [d["text"] for d in env["data"]["decisions"]] == ["Use Go", "Use SQLite"] and rec["id"] == "D-002"
    assert len(env["warnings"]) == 1  # the torn line, reported, never fatal


def test_small_contract_details(cli, project):
    for step in ("tdd", "release", "design-system"):
        assert J(cli("--root", project, "check", step, "--json"))["data"]["reasons"], step
    for n in ("0", "-1"):
        assert cli("--root", project, "next", "--count", n, "--json").code == 1
    state = project / ".cadence/state.json"
    data = json.loads(state.read_text())
    data["steps"]["from-a-newer-cadence"] = {"status": "completed"}
    state.write_text(json.dumps(data))
    d = J(cli("--root", project, "validate", "--json"))["data"]
    assert d["valid"] and any(p["code"] == "STATE_UNKNOWN_STEP" and p["severity"] == "warning"
                              for p in d["problems"])
    assert cli("--root", project, "status").code == 0


@pytest.mark.parametrize("flags,steps", [(["--methodology", "custom"], 50),
                                         (["--methodology", "mvp", "--game-engine", "unity"], 27)])
def test_walks_reach_100_percent_with_not_applicable_steps_left_out(cli, repo, flags, steps):
    init(cli, repo, *flags)
    assert len(walk(cli, repo)) == steps
    assert status(cli, repo)["progress"] == {"enabled": steps, "completed": steps, "skipped": 0, "pending": 0,
                                             "in_progress": 0, "percent": 100}


def test_symlinks_out_of_the_repository_never_reach_a_prompt(cli, project, tmp_path):
    secret = tmp_path / "id_rsa"
    secret.write_text("PRIVATE-KEY-MATERIAL")
    (project / ".cadence/instructions/global.md").symlink_to(secret)
    (project / ".cadence/knowledge/vision-craft.md").symlink_to(secret)
    env = J(cli("--root", project, "run", "create-vision", "--preview", "--json"))
    assert "PRIVATE-KEY-MATERIAL" not in env["data"]["prompt"]
    assert sum("outside the project" in w for w in env["warnings"]) == 2
    shown = J(cli("--root", project, "knowledge", "show", "vision-craft", "--json"))["data"]
    assert shown["source"] == "library" and "PRIVATE-KEY-MATERIAL" not in shown["content"]
