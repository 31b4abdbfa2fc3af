"""Each defect of the reference pipeline (scaffold.md §9, marked [FIX]) that applies to cadence, pinned."""

import json
import os
import signal
import subprocess
import sys
import time

from tests.cli.test_pipeline import produce
from tests.conftest import run_subprocess, tree_snapshot


def statuses(cli, root):
    return {s["name"]: s["status"] for s in cli("--root", root, "status", "--json").json["data"]["steps"]}


def test_fix_1_completion_keeps_outputs_for_downstream_context(cli, project):
    produce(project, ["docs/plan.md"])
    cli("--root", project, "run", "create-prd")
    cli("--root", project, "complete", "create-prd")
    state = json.loads((project / ".cadence/state.json").read_text())
    assert state["steps"]["create-prd"]["outputs"] == ["docs/plan.md"]
    assert "docs/plan.md" in cli("--root", project, "run", "review-prd", "--preview", "--json").json["data"]["context"]


def test_fix_2_3_an_unfinished_run_blocks_nothing_and_is_never_auto_completed(cli, project):
    assert cli("--root", project, "run", "create-vision").code == 0
    assert cli("--root", project, "run", "tech-stack").code == 0
    st = statuses(cli, project)
    assert st["create-vision"] == "in_progress" and st["tech-stack"] == "in_progress"
    cli("--root", project, "reset", "create-vision")
    assert "create-vision" in [e["name"] for e in cli("--root", project, "next", "--json").json["data"]["eligible"]]


def test_fix_4_invalid_input_changes_no_state(cli, project):
    before = tree_snapshot(project)
    assert cli("--root", project, "run", "create-vision", "--depth", "9").code == 1
    assert cli("--root", project, "run", "create-vision", "--depth", "0").code == 1
    assert tree_snapshot(project) == before


def test_fix_5_piped_commands_never_take_defaults_silently(repo):
    r = run_subprocess("--root", repo, "init")
    assert r.code == 0
    cfg = (repo / ".cadence/config.yml").read_text()
    assert "type:" not in cfg  # no silent web-app
    r = run_subprocess("--root", repo, "run", "create-vision")
    assert r.code == 0
    st = json.loads((repo / ".cadence/state.json").read_text())["steps"]["create-vision"]
    assert st["status"] == "in_progress"  # piping never marks a step completed


def test_fix_6_migrations_happen_in_memory_for_read_only_commands(cli, project):
    path = project / ".cadence/state.json"
    state = json.loads(path.read_text())
    state["steps"]["testing-strategy"] = state["steps"].pop("tdd")
    path.write_text(json.dumps(state))
    raw = path.read_bytes()
    assert "tdd" in statuses(cli, project)
    assert path.read_bytes() == raw


def test_fix_7_progress_counts_only_enabled_steps(cli, repo):
    cli("--root", repo, "init", "--no-input", "--methodology", "mvp")
    assert cli("--root", repo, "status", "--json").json["data"]["progress"]["enabled"] == 13


def test_fix_9_completion_records_depth_and_checks_the_disk(cli, project):
    assert cli("--root", project, "complete", "tech-stack").code == 2
    produce(project, ["docs/tech-stack.md"])
    cli("--root", project, "run", "tech-stack", "--depth", "2")
    assert cli("--root", project, "complete", "tech-stack", "--json").json["data"]["depth"] == 2


def test_fix_10_a_killed_lock_holder_leaves_no_stale_lock(cli, project):
    code = ("import sys,time; sys.path.insert(0, {!r})\nfrom cadence.project.lock import project_lock\n"
            "with project_lock(__import__('pathlib').Path({!r}), 'holder'):\n    print('held', flush=True)\n"
            "    time.sleep(60)\n").format(os.path.abspath("src"), str(project))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    assert cli("--root", project, "skip", "beads", "--reason", "x", "--wait", "0.1").code == 3
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert cli("--root", project, "skip", "beads", "--reason", "x", "--wait", "2").code == 0


def test_fix_15_reset_all_keeps_a_valid_state(cli, project):
    assert cli("--root", project, "reset", "--all", "--yes").code == 0
    assert cli("--root", project, "status").code == 0


def test_fix_16_status_phase_filter_and_consistent_unknown_step_codes(cli, project):
    steps = cli("--root", project, "status", "--phase", "pre", "--json").json["data"]["steps"]
    assert steps and {s["phase"] for s in steps} == {"pre"}
    rng = cli("--root", project, "status", "--phase", "1-2", "--json").json["data"]["steps"]
    assert {s["phase"] for s in rng} == {"pre", "foundation"}
    for cmd in (["info", "nope"], ["run", "nope"], ["complete", "nope"], ["skip", "nope", "--reason", "x"],
                ["reset", "nope"], ["check", "nope"]):
        assert cli("--root", project, *cmd).code == 1, cmd
    state = json.loads((project / ".cadence/state.json").read_text())
    from cadence import __version__
    assert state["cadence"] == __version__


def test_fix_17_config_without_version_keeps_its_methodology(cli, project):
    cfg = project / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("version: 1\n", ""))
    assert cli("--root", project, "status", "--json").json["data"]["methodology"] == "deep"


def test_fix_19_a_content_directory_in_the_project_changes_nothing(cli, project):
    (project / "content/pipeline/vision").mkdir(parents=True)
    (project / "content/pipeline/vision/evil.md").write_text("---\nname: evil\n---\n")
    names = {s["name"] for s in cli("--root", project, "status", "--json").json["data"]["steps"]}
    assert "evil" not in names and len(names) == 84


def test_fix_22_legacy_prd_name_is_read_as_context(cli, project):
    produce(project, ["docs/prd.md"])
    cli("--root", project, "complete", "create-prd", "--force")
    ctx = cli("--root", project, "run", "review-prd", "--preview", "--json").json["data"]["context"]
    assert ctx == ["docs/prd.md"]


def test_fix_23_update_mode_shows_every_existing_output(cli, project):
    outs = ["docs/git-workflow.md", "scripts/setup-agent-worktree.sh", ".github/workflows/ci.yml",
            ".github/pull_request_template.md"]
    produce(project, outs)
    d = cli("--root", project, "run", "git-workflow", "--force", "--preview", "--json").json["data"]
    assert d["update_mode"] and all(f"## Existing Output: {o}" in d["prompt"] for o in outs)


def test_fix_25_outputs_are_contained_in_the_project(cli, project, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    (project / "docs").mkdir()
    os.symlink(secret, project / "docs/vision.md")
    assert cli("--root", project, "complete", "create-vision").code == 2
    out = cli("--root", project, "run", "review-vision", "--force", "--preview").out
    assert "TOP SECRET" not in out


def test_fix_34_decision_ids_stay_unique_under_concurrency(project):
    procs = [subprocess.Popen([sys.executable, "-m", "cadence", "--root", str(project), "decisions", "add",
                               f"decision {i}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for i in range(8)]
    assert all(p.wait(timeout=60) == 0 for p in procs)
    lines = (project / ".cadence/decisions.jsonl").read_text().splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert len(ids) == 8 and len(set(ids)) == 8


def test_fix_37_version_never_touches_the_network(cli):
    start = time.monotonic()
    assert cli("version").code == 0
    assert time.monotonic() - start < 2
