"""Pipeline commands end to end in real git repositories."""

from pathlib import Path

import pytest
from tests.conftest import tree_snapshot

DEEP_ORDER = ("create-vision review-vision innovate-vision create-prd review-prd innovate-prd user-stories "
              "review-user-stories innovate-user-stories beads tech-stack coding-standards tdd project-structure "
              "dev-env-setup design-system git-workflow automated-pr-review ai-memory-setup add-e2e-testing "
              "domain-modeling review-domain-modeling adrs review-adrs system-architecture review-architecture "
              "database-schema review-database api-contracts review-api ux-spec review-ux review-testing "
              "story-tests create-evals operations review-operations security review-security "
              "platform-parity-review claude-md-optimization workflow-audit implementation-plan "
              "implementation-plan-review cross-phase-consistency traceability-matrix decision-completeness "
              "critical-path-walkthrough implementability-dry-run dependency-graph-validation scope-creep-check "
              "apply-fixes-and-freeze developer-onboarding-guide implementation-playbook").split()
MVP_ORDER = ("create-vision review-vision create-prd review-prd user-stories review-user-stories tech-stack "
             "coding-standards tdd project-structure dev-env-setup implementation-plan "
             "implementation-playbook").split()


def produce(root: Path, outputs: list[str]) -> None:
    for out in outputs:
        p = root / out.rstrip("/")
        if out.endswith("/"):
            p.mkdir(parents=True, exist_ok=True)
            (p / "artifact.md").write_text(f"# {out}\n")
        else:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(f"# {out}\n")


def walk(cli, root: Path) -> list[str]:
    done = []
    for _ in range(200):
        eligible = [e for e in cli("--root", root, "next", "--json").json["data"]["eligible"] if not e["stateless"]]
        if not eligible:
            break
        name = eligible[0]["name"]
        assert cli("--root", root, "run", name, "--json").code == 0
        produce(root, cli("--root", root, "info", name, "--json").json["data"]["outputs"])
        r = cli("--root", root, "complete", name, "--json")
        assert r.code == 0, r
        done.append(name)
    return done


@pytest.mark.parametrize("methodology,expected", [("deep", DEEP_ORDER), ("mvp", MVP_ORDER)])
def test_golden_walk(cli, repo, methodology, expected):
    assert cli("--root", repo, "init", "--no-input", "--methodology", methodology).code == 0
    assert walk(cli, repo) == expected
    prog = cli("--root", repo, "status", "--json").json["data"]["progress"]
    assert prog["completed"] == prog["enabled"] == len(expected) and prog["percent"] == 100
    nxt = cli("--root", repo, "next", "--json").json["data"]["eligible"]
    assert nxt and all(e["stateless"] for e in nxt)  # the build steps stay available, never counted


def test_read_only_commands_never_write(cli, project):
    before = tree_snapshot(project)
    for args in (["status"], ["next"], ["info"], ["info", "tdd"], ["list"], ["check", "design-system"],
                 ["run", "create-vision", "--preview"], ["decisions", "list"], ["knowledge", "list"],
                 ["status", "--json", "--compact"]):
        assert cli("--root", project, *args).code == 0, args
    assert tree_snapshot(project) == before


def test_run_marks_in_progress_and_reports_json_shape(cli, project):
    r = cli("--root", project, "run", "create-vision", "--json")
    d = r.json["data"]
    assert {"step", "depth", "update_mode", "prompt", "bytes", "knowledge", "context", "omitted"} <= set(d)
    assert d["depth"] == 5 and d["update_mode"] is False and d["knowledge"] == ["vision-craft"]
    assert d["bytes"] == len(d["prompt"].encode())
    st = {s["name"]: s["status"] for s in cli("--root", project, "status", "--json").json["data"]["steps"]}
    assert st["create-vision"] == "in_progress"
    assert "create-vision" not in [e["name"] for e in cli("--root", project, "next", "--json").json["data"]["eligible"]]


def test_blocked_step_is_exit_2_listing_dependencies_and_force_assembles(cli, project):
    r = cli("--root", project, "run", "review-prd", "--json")
    assert r.code == 2 and r.json["error"]["code"] == "STEP_BLOCKED" and r.json["data"]["missing"] == ["create-prd"]
    assert cli("--root", project, "run", "review-prd", "--force", "--preview").code == 0


def test_unknown_step_suggests(cli, project):
    r = cli("--root", project, "run", "tech-stak", "--json")
    assert r.code == 1 and "tech-stack" in r.json["error"]["hint"]


def test_complete_requires_outputs_and_directories_need_files(cli, project):
    r = cli("--root", project, "complete", "create-vision", "--json")
    assert r.code == 2 and r.json["data"]["missing"] == ["docs/vision.md"]
    produce(project, ["docs/vision.md"])
    assert cli("--root", project, "complete", "create-vision").code == 0
    (project / "docs/domain-models").mkdir(parents=True)
    r = cli("--root", project, "complete", "domain-modeling", "--json")
    assert r.code == 2 and r.json["data"]["missing"] == ["docs/domain-models/"]
    (project / "docs/domain-models/order.md").write_text("# Order\n")
    assert cli("--root", project, "complete", "domain-modeling").code == 0


def test_multi_model_review_files_only_required_at_depth_4_plus(cli, repo):
    cli("--root", repo, "init", "--no-input", "--methodology", "custom", "--depth", "3")
    produce(repo, ["docs/plan.md", "docs/reviews/pre-review-prd.md"])
    assert cli("--root", repo, "complete", "create-prd").code == 0
    assert cli("--root", repo, "complete", "review-prd").code == 0
    cfg = repo / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("depth: 3", "depth: 4"))
    cli("--root", repo, "reset", "review-prd")
    r = cli("--root", repo, "complete", "review-prd", "--json")
    assert r.code == 2 and "docs/reviews/prd/review-summary.md" in r.json["data"]["missing"]


def test_skip_reset_rework(cli, project):
    r = cli("--root", project, "skip", "beads", "innovate-vision", "--reason", "no tracker needed", "--json")
    assert r.code == 0 and r.json["data"]["status"] == "skipped" and len(r.json["data"]["steps"]) == 2
    assert cli("--root", project, "skip", "beads").code == 1  # --reason is required
    produce(project, ["docs/vision.md"])
    cli("--root", project, "complete", "create-vision")
    assert cli("--root", project, "skip", "create-vision", "--reason", "x", "--json").code == 3
    r = cli("--root", project, "rework", "--phase", "vision", "--depth", "2", "--json")
    assert r.json["data"]["steps"] == ["create-vision"]
    run = cli("--root", project, "run", "create-vision", "--preview", "--json").json["data"]
    assert run["update_mode"] is True and run["depth"] == 2 and "docs/vision.md" in run["context"]
    assert cli("--root", project, "reset", "beads", "--json").json["data"] == {"step": "beads", "status": "pending"}
    assert cli("--root", project, "reset", "--all", "--json").code == 4
    assert cli("--root", project, "reset", "--all", "--yes").code == 0
    assert (project / "docs/vision.md").exists()


def test_info_shape(cli, project):
    d = cli("--root", project, "info", "review-prd", "--json").json["data"]
    for key in ("name", "phase", "order", "description", "summary", "stateless", "conditional", "applicable",
                "enabled", "status", "depth", "dependencies", "outputs", "knowledge", "reads"):
        assert key in d
    assert d["dependencies"] == [{"name": "create-prd", "status": "pending"}]


def test_adopt_proposes_only_steps_whose_outputs_all_exist(cli, project):
    produce(project, ["CLAUDE.md", "docs/vision.md", "docs/design-system.md"])
    d = cli("--root", project, "adopt", "--json").json["data"]
    names = [p["step"] for p in d["proposed"]]
    assert names == ["create-vision", "claude-md-optimization"] and d["applied"] is False
    assert "beads" not in names and "design-system" not in names and "workflow-audit" not in names
    cli("--root", project, "adopt", "--apply")
    st = {s["name"]: s["status"] for s in cli("--root", project, "status", "--json").json["data"]["steps"]}
    assert st["create-vision"] == "completed"


def test_context_expands_directories_and_respects_the_budget(cli, project):
    cfg = project / ".cadence/config.yml"
    produce(project, ["docs/plan.md"])
    cli("--root", project, "complete", "create-prd")
    (project / "docs/domain-models").mkdir(parents=True)
    for n in ("a", "b"):
        (project / f"docs/domain-models/{n}.md").write_text(f"# {n}\n" + "x" * 200)
    for step in ("create-vision", "review-vision", "review-prd", "user-stories", "review-user-stories"):
        cli("--root", project, "skip", step, "--reason", "test")
    cli("--root", project, "complete", "domain-modeling", "--force")
    run = cli("--root", project, "run", "adrs", "--preview", "--force", "--json").json["data"]
    assert "docs/domain-models/a.md" in run["context"] and "docs/domain-models/b.md" in run["context"]
    cfg.write_text(cfg.read_text().replace("context-budget: 120000", "context-budget: 250"))
    run = cli("--root", project, "run", "adrs", "--preview", "--force", "--json").json["data"]
    assert run["omitted"] and "## Omitted context" in run["prompt"]
    assert all(p not in run["context"] for p in run["omitted"])


def test_decisions_are_filtered_to_the_steps_context(cli, project):
    cli("--root", project, "decisions", "add", "--step", "create-prd", "Ship web first")
    cli("--root", project, "decisions", "add", "--step", "beads", "Unrelated")
    recs = cli("--root", project, "decisions", "list", "--json").json["data"]["decisions"]
    assert [r["id"] for r in recs] == ["D-001", "D-002"]
    prompt = cli("--root", project, "run", "review-prd", "--force", "--preview").out
    assert "D-001 (create-prd): Ship web first" in prompt and "Unrelated" not in prompt


def test_corrupt_decision_lines_are_skipped_with_a_warning(cli, project):
    (project / ".cadence/decisions.jsonl").write_text('{"id": "D-001", "text": "ok"}\nnot json\n')
    r = cli("--root", project, "decisions", "list", "--json")
    assert r.code == 0 and len(r.json["data"]["decisions"]) == 1 and r.json["warnings"]


def test_instructions_and_tool_arguments(cli, project):
    (project / ".cadence/instructions/global.md").write_text("Prefer boring technology.")
    (project / ".cadence/instructions/tech-stack.md").write_text("Use Postgres.")
    out = cli("--root", project, "run", "tech-stack", "--preview", "--instructions", "Keep it cheap").out
    assert out.index("Prefer boring") < out.index("Use Postgres") < out.index("Keep it cheap")
    out = cli("--root", project, "run", "version-bump", "minor", "--dry-run").out
    assert "minor --dry-run" in out and "$ARGUMENTS" not in out


def test_knowledge_override_wins_and_reset_protects_edits(cli, project):
    assert cli("--root", project, "knowledge", "override", "vision-craft").code == 0
    p = project / ".cadence/knowledge/vision-craft.md"
    p.write_text(p.read_text().replace("## Deep Guidance", "## Deep Guidance\n\nOUR HOUSE RULE."))
    out = cli("--root", project, "run", "create-vision", "--preview").out
    assert "OUR HOUSE RULE." in out and "(project override)" in out
    assert cli("--root", project, "knowledge", "reset", "vision-craft").code == 2
    assert cli("--root", project, "knowledge", "reset", "vision-craft", "--force").code == 0


def test_game_project_not_applicable_steps_are_shown_as_skipped(cli, repo):
    cli("--root", repo, "init", "--no-input", "--game-engine", "godot")
    st = {s["name"]: s for s in cli("--root", repo, "status", "--json").json["data"]["steps"]}
    assert st["narrative-bible"]["applicable"] is False and st["narrative-bible"]["status"] == "skipped"
    assert st["design-system"]["enabled"] is False
    chk = cli("--root", repo, "check", "narrative-bible", "--json").json["data"]
    assert chk["applicable"] is False and "false" in chk["reasons"][0]


def test_validate_reports_content_and_config_problems(cli, project):
    r = cli("--root", project, "validate", "--json")
    assert r.code == 0, r.out[-2000:]
    d = r.json["data"]
    assert d["errors"] == 0 and d["counts"]["steps"] == 84 and d["counts"]["tools"] == 10
    cfg = project / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("methodology: deep", "methodology: deeper"))
    r = cli("--root", project, "validate", "--json")
    assert r.code == 1 and any(p["code"] == "CONFIG_INVALID" for p in r.json["data"]["problems"])


def test_lock_held_gives_exit_3_after_wait(cli, project):
    from cadence.project.lock import project_lock
    with project_lock(project, "test holder"):
        r = cli("--root", project, "skip", "beads", "--reason", "x", "--wait", "0.2", "--json")
    assert r.code == 3 and "test holder" in r.json["error"]["message"]


# ------------------------------------------------------------------ prompts sized to the depth (issue 11 item 3)

def run_json(cli, root, step, *extra):
    r = cli("--root", root, "run", step, "--preview", "--force", "--json", *extra)
    assert r.code == 0, r
    return r.json


def test_review_dependencies_lead_to_the_artifacts_they_reviewed(cli, project):
    produce(project, ["docs/plan.md", "docs/reviews/pre-review-prd.md", "docs/user-stories.md",
                      "docs/reviews/pre-review-user-stories.md", "docs/coding-standards.md"])
    assert cli("--root", project, "complete", "create-prd", "--force").code == 0
    stories = run_json(cli, project, "user-stories")["data"]
    assert stories["context"][:3] == ["docs/user-stories.md", "docs/plan.md", "docs/reviews/pre-review-prd.md"]
    d = run_json(cli, project, "domain-modeling")["data"]
    assert {"docs/user-stories.md", "docs/plan.md", "docs/coding-standards.md"} <= set(d["context"])
    assert d["context"].index("docs/plan.md") < d["context"].index("docs/reviews/pre-review-user-stories.md")
    assert "## Artifact: docs/plan.md (from create-prd)\n" in d["prompt"]  # completed: no note
    assert "## Artifact: docs/user-stories.md (from user-stories, still pending: may be unfinished)" in d["prompt"]
    cfg = project / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("context-budget: 120000", "context-budget: 1"))
    small = run_json(cli, project, "domain-modeling")["data"]
    assert small["context"] == [] and set(d["context"]) == set(small["omitted"])
    assert "- docs/plan.md (15 bytes)" in small["prompt"]


def test_knowledge_whose_condition_is_false_is_not_injected(cli, repo):
    assert cli("--root", repo, "init", "--no-input", "--project-type", "web-app", "--web-rendering", "ssr").code == 0
    assert "web-app-auth-patterns" not in run_json(cli, repo, "tech-stack")["data"]["knowledge"]  # auth-flow: none
    for depth, present in (("1", False), ("3", False), ("4", True), ("5", True)):
        d = run_json(cli, repo, "review-vision", "--depth", depth)["data"]
        assert ("multi-model-review-dispatch" in d["knowledge"]) is present
        assert ("## Multi-Model Review\n" in d["prompt"]) is present and ("codex-review.json" in d["prompt"]) is present
    assert "multi-model-review-dispatch" in run_json(cli, repo, "review-pr", "--depth", "2")["data"]["knowledge"]
    cfg = repo / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("auth-flow: none", "auth-flow: passkey"))
    assert "web-app-auth-patterns" in run_json(cli, repo, "tech-stack")["data"]["knowledge"]


def test_summaries_are_listed_with_the_way_to_the_deep_guidance(cli, project):
    low = run_json(cli, project, "create-vision", "--depth", "2")["data"]
    assert low["summarised"] == low["knowledge"] and low["knowledge"]
    assert "## Summaries only" in low["prompt"] and "`cadence knowledge show NAME`" in low["prompt"]
    assert all(f"\n- {k}" in low["prompt"] for k in low["knowledge"])
    high = run_json(cli, project, "create-vision", "--depth", "3")["data"]
    assert high["summarised"] == [] and "## Summaries only" not in high["prompt"]


def test_run_json_estimates_tokens_beside_bytes(cli, project):
    d = run_json(cli, project, "create-vision")["data"]
    assert d["tokens"] == -(-d["bytes"] // 4)


def test_progress_counts_skipped_steps_apart(cli, project):
    produce(project, ["docs/vision.md"])
    assert cli("--root", project, "complete", "create-vision").code == 0
    assert cli("--root", project, "skip", "review-vision", "innovate-vision", "--reason", "solo").code == 0
    prompt = run_json(cli, project, "create-prd")["data"]["prompt"]
    assert "Progress: 1/54 steps completed, 2 skipped" in prompt


def test_rerun_after_completion_warns_of_depth_downgrade_and_methodology_change(cli, project):
    produce(project, ["docs/vision.md"])
    assert cli("--root", project, "complete", "create-vision").code == 0  # deep preset: depth 5
    same = cli("--root", project, "run", "create-vision", "--preview", "--json").json
    assert not [w for w in same["warnings"] if "depth-downgrade" in w or "methodology-changed" in w]
    lower = cli("--root", project, "run", "create-vision", "--preview", "--depth", "2", "--json").json
    assert any(w.startswith("depth-downgrade: create-vision was completed at depth 5") for w in lower["warnings"])
    cfg = project / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("methodology: deep", "methodology: mvp"))
    changed = cli("--root", project, "run", "create-vision", "--preview", "--json").json
    assert any(w.startswith("methodology-changed: create-vision was completed under deep") for w in changed["warnings"])


def test_a_backwards_phase_range_is_an_error_with_the_turned_range(cli, project):
    for cmd in (("rework", "--phase", "3-1"), ("status", "--phase", "3-1")):
        r = cli("--root", project, *cmd, "--json")
        assert r.code == 1 and r.json["error"]["code"] == "UNKNOWN_PHASE"
        assert "runs backwards" in r.json["error"]["message"] and "'1-3'" in r.json["error"]["hint"]
    r = cli("--root", project, "rework", "--phase", "visoin", "--json")
    assert r.code == 1 and "Did you mean 'vision'?" in r.json["error"]["hint"]


@pytest.mark.parametrize("word,expected", [
    ("prd", "Did you mean 'create-prd' or 'review-prd' or 'innovate-prd'?"),
    ("tdd-standards", "Did you mean 'tdd'?"),
    ("docs/plan.md", "Did you mean 'create-prd'"),
    ("tehc-stack", "Did you mean 'tech-stack'?"),
])
def test_unknown_steps_get_the_steps_they_may_mean(cli, project, word, expected):
    for cmd in ("run", "info"):
        r = cli("--root", project, cmd, word, "--json")
        assert r.code == 1 and r.json["error"]["hint"].startswith(expected), r


def test_info_shows_the_rework_depth(cli, project):
    produce(project, ["docs/vision.md"])
    assert cli("--root", project, "complete", "create-vision").code == 0
    r = cli("--root", project, "rework", "--phase", "vision", "--depth", "2", "--json")
    assert r.code == 0 and r.json["warnings"] == [
        "depth-downgrade: create-vision was completed at depth 5; the rework at depth 2 may drop what the deeper "
        "run produced"]
    d = cli("--root", project, "info", "create-vision", "--json").json["data"]
    assert (d["depth"], d["depth_source"]) == (2, "rework --depth")
    assert "depth 2 (set by rework --depth)" in cli("--root", project, "info", "create-vision").out
    assert run_json(cli, project, "create-vision")["data"]["depth"] == 2


def test_validate_is_not_valid_when_config_is_missing(cli, project):
    (project / ".cadence/config.yml").unlink()
    r = cli("--root", project, "validate", "--json")
    assert r.code == 1 and r.json["error"]["code"] == "VALIDATION_FAILED"
    assert r.json["data"]["valid"] is False
    assert [p["file"] for p in r.json["data"]["problems"] if p["code"] == "CONFIG_MISSING"] == [".cadence/config.yml"]
