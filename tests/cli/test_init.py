"""`cadence init`: the flag matrix of every project type, cross-field rules, validate-before-write, --force."""

import json

import pytest
from tests.conftest import tree_snapshot

from cadence.core.settings import TYPES

REQUIRED = {"web-app": ["--web-rendering", "spa"], "backend": ["--backend-api-style", "rest"],
            "cli": ["--cli-interactivity", "hybrid"], "library": ["--lib-visibility", "internal"],
            "mobile-app": ["--mobile-platform", "ios"], "data-pipeline": ["--pipeline-processing", "batch"],
            "ml": ["--ml-phase", "training"], "browser-extension": [], "game": ["--game-engine", "godot"]}


@pytest.mark.parametrize("ptype", [t.name for t in TYPES])
def test_each_type_initialises_with_its_required_flags(cli, repo, ptype):
    r = cli("--root", repo, "init", "--no-input", "--project-type", ptype, *REQUIRED[ptype], "--json")
    assert r.code == 0, r
    assert r.json["data"]["project_type"] == ptype
    cfg = (repo / ".cadence/config.yml").read_text()
    assert f"type: {ptype}" in cfg
    status = cli("--root", repo, "status", "--json").json["data"]
    assert status["project_type"] == ptype


@pytest.mark.parametrize("ptype", [t.name for t in TYPES if REQUIRED[t.name]])
def test_missing_required_setting_names_the_flag_and_writes_nothing(cli, repo, ptype):
    r = cli("--root", repo, "init", "--no-input", "--project-type", ptype, "--json")
    assert r.code == 1 and REQUIRED[ptype][0] in r.json["error"]["message"]
    assert not (repo / ".cadence").exists()


def test_family_flags_imply_the_type(cli, repo):
    r = cli("--root", repo, "init", "--no-input", "--pipeline-processing", "streaming", "--json")
    assert r.code == 0 and r.json["data"]["project_type"] == "data-pipeline"


@pytest.mark.parametrize("args,needle", [
    (["--web-rendering", "spa", "--backend-api-style", "rest"], "more than one project type"),
    (["--project-type", "cli", "--web-rendering", "spa"], "--project-type is cli"),
    (["--depth", "3"], "--methodology custom"),
    (["--methodology", "custom", "--depth", "9"], "out of range"),
    (["--methodology", "deeep"], "deep"),
    (["--project-type", "webapp"], "web-app"),
    (["--lib-visibility", "public", "--lib-doc-level", "none"], "documentation"),
    (["--web-rendering", "ssr", "--web-deploy-target", "static"], "needs a server"),
    (["--web-rendering", "spa", "--web-auth-flow", "session", "--web-deploy-target", "static"], "session"),
    (["--ml-phase", "training", "--ml-serving", "realtime"], "does not serve"),
    (["--ml-phase", "inference", "--ml-serving", "none"], "must serve"),
    (["--no-ext-background-worker", "--ext-ui-surfaces", ""], "capability"),
    (["--game-engine", "unity", "--game-online-services", "leaderboards"], "multiplayer"),
    (["--backend-api-style", "none", "--backend-auth", "jwt"], "auth must be 'none'"),
    (["--game-engine", "unity", "--game-locales", "english"], "must match"),
    (["--clients", "vscode"], "claude"),
])
def test_invalid_combinations_fail_before_anything_is_written(cli, repo, args, needle):
    before = tree_snapshot(repo)
    r = cli("--root", repo, "init", "--no-input", *args, "--json")
    assert r.code == 1, r
    assert needle.lower() in (r.json["error"]["message"] + r.json["error"]["hint"]).lower()
    assert tree_snapshot(repo) == before and not (repo / ".cadence").exists()


def test_list_flags_accept_repeats_and_commas(cli, repo):
    r = cli("--root", repo, "init", "--no-input", "--game-engine", "godot", "--game-target-platforms", "pc,switch",
            "--game-target-platforms", "ps5", "--game-multiplayer", "online", "--game-online-services", "live-ops")
    assert r.code == 0, r
    assert "target-platforms: [pc, switch, ps5]" in (repo / ".cadence/config.yml").read_text()


def test_refuses_existing_project_without_force_then_backs_up_keeping_finished_steps(cli, project):
    r = cli("--root", project, "init", "--no-input", "--json")
    assert r.code == 1 and "--force" in r.json["error"]["hint"]
    (project / "docs").mkdir()
    (project / "docs/vision.md").write_text("# V\n")
    assert cli("--root", project, "complete", "create-vision").code == 0
    assert cli("--root", project, "decisions", "add", "--step", "create-vision", "Keep it small").code == 0
    r = cli("--root", project, "init", "--no-input", "--force", "--methodology", "mvp", "--json")
    assert r.code == 0 and r.json["data"]["kept"] == 1
    backups = list(project.glob(".cadence.backup-*"))
    assert len(backups) == 1 and (backups[0] / "state.json").is_file()
    st = cli("--root", project, "status", "--json").json["data"]
    assert st["methodology"] == "mvp"
    assert {s["name"]: s["status"] for s in st["steps"]}["create-vision"] == "completed"
    assert "Keep it small" in (project / ".cadence/decisions.jsonl").read_text()


def test_force_keeps_the_manifest_so_uninstall_still_works(cli, repo):
    assert cli("--root", repo, "init", "--no-input", "--clients", "claude").code == 0
    assert cli("--root", repo, "init", "--no-input", "--force", "--clients", "claude").code == 0
    assert (repo / ".cadence/manifest.json").is_file()
    assert cli("--root", repo, "uninstall").code == 0
    assert not (repo / ".claude").exists()


def test_init_writes_the_layout_and_gitignore_block_keeping_user_lines(cli, repo):
    (repo / ".gitignore").write_bytes(b"node_modules/\r\n*.log\r\n")
    assert cli("--root", repo, "init", "--no-input").code == 0
    for rel in ("config.yml", "state.json", "decisions.jsonl", "instructions", "knowledge", "plans"):
        assert (repo / ".cadence" / rel).exists()
    gi = (repo / ".gitignore").read_bytes()
    assert gi.startswith(b"node_modules/\r\n*.log\r\n") and b"# >>> cadence managed\r\n" in gi
    state = json.loads((repo / ".cadence/state.json").read_text())
    assert state["schema"] == 1 and state["mode"] == "greenfield" and len(state["steps"]) == 54


def test_brownfield_detection(cli, repo):
    (repo / "pyproject.toml").write_text("[project]\nname='x'\n")
    (repo / "src").mkdir()
    (repo / "src/app.py").write_text("print(1)\n")
    r = cli("--root", repo, "init", "--no-input", "--json")
    assert r.json["data"]["mode"] == "brownfield"


def test_idea_suggests_mvp(cli, repo):
    r = cli("--root", repo, "init", "--no-input", "--idea", "a quick prototype for a hackathon", "--json")
    assert r.json["data"]["methodology"] == "mvp"
