"""The first hour of a new user: workflow-first repositories, init's client default, and honest output."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_inprocess


def _workflow_only(repo: Path) -> None:
    (repo / ".cadence/plans").mkdir(parents=True)
    (repo / ".cadence/plans/discounts.md").write_text("plan body\n")
    (repo / ".cadence/loop.json").write_text("{}\n")


def test_init_adds_config_and_state_beside_workflow_files_without_force_or_backup(repo):
    _workflow_only(repo)
    r = run_inprocess("--root", str(repo), "init", "--no-input", "--methodology", "mvp")
    assert r.code == 0, r
    assert "beside the workflow files" in r.out
    assert (repo / ".cadence/config.yml").is_file() and (repo / ".cadence/state.json").is_file()
    assert (repo / ".cadence/plans/discounts.md").read_text() == "plan body\n"
    assert (repo / ".cadence/loop.json").read_text() == "{}\n"
    assert not list(repo.glob(".cadence.backup-*"))
    assert run_inprocess("--root", str(repo), "next").code == 0


def test_a_second_init_still_refuses_and_says_the_project_is_initialised(repo):
    assert run_inprocess("--root", str(repo), "init", "--no-input").code == 0
    r = run_inprocess("--root", str(repo), "init", "--no-input")
    assert r.code == 1 and "ALREADY_INITIALIZED" in r.err and "already initialised" in r.err


def test_init_without_clients_says_how_to_install_with_installs_default(repo, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # no client on PATH: install's default is claude
    r = run_inprocess("--root", str(repo), "init", "--no-input")
    assert r.code == 0, r
    assert "no AI client set up" in r.out and "'cadence install' installs for claude" in r.out
    assert not (repo / ".claude").exists()


def test_init_with_clients_does_not_print_the_install_hint(repo):
    r = run_inprocess("--root", str(repo), "init", "--no-input", "--clients", "claude")
    assert r.code == 0, r
    assert "no AI client set up" not in r.out and "installed for claude" in r.out


def test_skipped_tests_say_why_and_the_readme_has_the_first_five_minutes():
    root = Path(__file__).resolve().parents[2]
    import tomllib
    addopts = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    assert any(o.startswith("-r") and "s" in o and "f" in o for o in addopts.split())
    readme = (root / "README.md").read_text()
    quick = readme.index("## Quickstart")
    first = readme.index("## The first five minutes in your own repository")
    assert quick < first < readme.index("## Install")
    assert "demo --keep" in readme and "models:" in readme and ".venv-tools/bin/uv tool install ." in readme
    assert "~/.cache/cadence" in readme


def _parsers():
    import argparse
    import importlib

    from cadence.cli.main import COMMANDS
    from cadence.cli.output import make_parser
    for name, (module, about) in COMMANDS.items():
        parser = make_parser(f"cadence {name}", about)
        getattr(importlib.import_module(module), "add_" + name)(parser)
        todo = [parser]
        while todo:
            p = todo.pop()
            yield p
            for action in p._actions:
                if isinstance(action, argparse._SubParsersAction):
                    todo += list(action.choices.values())


def test_every_argument_has_help_and_every_help_names_the_global_options():
    for parser in _parsers():
        text = parser.format_help()
        assert "--json" in text and "--root DIR" in text, parser.prog
        for action in parser._actions:
            if action.dest not in ("help", "action", "what") and action.help is None:
                raise AssertionError(f"{parser.prog}: {action.dest} has no help")


def test_init_help_says_each_default_once():
    r = run_inprocess("init", "--help")
    assert r.code == 0
    text = " ".join(r.out.split())
    assert "(default by phase)" not in text and "e.g. en,fr-CA: e.g. en,fr-CA" not in text
    assert "serving pattern (default: none for training, realtime otherwise) --ml" in text


LOOP_PLAN = ("---\ntitle: Discounts\ntype: feature\n---\n# Discounts\n\n## Tasks\n- [ ] Task 1: Model\n"
             "- [ ] Task 2: API\n")


def _loop(repo: Path, tmp_path: Path, *start: str) -> str:
    import sys
    plan = tmp_path / "plan.md"
    plan.write_text(LOOP_PLAN)
    name = run_inprocess("--root", str(repo), "--json", "plan", "save", "--file", str(plan)).json["data"]["file"]
    r = run_inprocess("--root", str(repo), "loop", "start", name, "--max-retries", "1",
                      *(start or ("--test", f"{sys.executable} -c pass")))
    assert r.code == 0, r
    return r.out


def test_loop_display_counts_the_task_in_progress_and_a_failed_task_is_not_done(repo, tmp_path):
    (repo / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    started = _loop(repo, tmp_path, "--test", "false", "--build", "", "--lint", "")
    assert "commands from the command line" in started and "detected from" not in started
    assert "in progress 1 | pending 1" in started
    run_inprocess("--root", str(repo), "loop", "verify")
    failed = run_inprocess("--root", str(repo), "loop", "report", "fail", "--detail", "red")
    assert failed.code == 0, failed
    status = run_inprocess("--root", str(repo), "loop", "status").out
    assert "1/1 attempts failed" in status and "attempt 2/1" not in status
    assert "0/2 tasks done (0%)" in status
    assert "(100%)" not in status


def test_loop_display_after_abort(repo, tmp_path):
    _loop(repo, tmp_path)
    aborted = run_inprocess("--root", str(repo), "loop", "abort", "--detail", "changed my mind").out
    assert "▶" not in aborted and "■ #1" in aborted
    resume = run_inprocess("--root", str(repo), "loop", "resume").out
    assert "was aborted" in resume and "is finished" not in resume


def test_session_show_starts_with_the_note_and_plan_save_points_to_plan_commit(repo, tmp_path):
    r = run_inprocess("--root", str(repo), "--json", "session", "save", "--summary", "did things")
    assert r.code == 0, r
    shown = run_inprocess("--root", str(repo), "session", "show", r.json["data"]["id"]).out
    assert shown.startswith("---")
    plan = tmp_path / "plan.md"
    plan.write_text(LOOP_PLAN)
    saved = run_inprocess("--root", str(repo), "plan", "save", "--file", str(plan)).out
    assert "next: cadence plan commit " in saved


def test_status_has_a_legend_phase_counts_and_skip_reasons(repo):
    assert run_inprocess("--root", str(repo), "init", "--no-input", "--methodology", "mvp").code == 0
    assert run_inprocess("--root", str(repo), "skip", "review-vision", "--reason", "a tiny tool").code == 0
    out = run_inprocess("--root", str(repo), "status").out
    assert "Product Vision  1/2" in out
    assert "⊘ review-vision (skipped: a tiny tool)" in out and "→" not in out
    assert out.rstrip().splitlines()[-1].startswith("✓ completed  ● in progress  ○ pending  ⊘ skipped")
    compact = run_inprocess("--root", str(repo), "status", "--compact").out
    assert "" not in compact.splitlines() or compact.count("\n\n") <= 1


def test_knowledge_search_ranks_by_words_matched_shows_scores_and_boosts_the_project_type(repo):
    assert run_inprocess("--root", str(repo), "init", "--no-input", "--project-type", "web-app",
                         "--web-rendering", "ssr").code == 0
    r = run_inprocess("--root", str(repo), "--json", "knowledge", "search", "oauth", "pkce")
    results = r.json["data"]["results"]
    assert results[0]["name"] == "web-app-auth-patterns" and results[0]["boost"] == 3
    assert [x["matched"] for x in results] == sorted((x["matched"] for x in results), reverse=True)
    assert len(results) < 15  # text-only hits need every word
    assert not any(x["name"] == "mobile-app-push-notifications" for x in results)
    text = run_inprocess("--root", str(repo), "knowledge", "search", "oauth", "pkce").out
    assert text.splitlines()[1].split()[0].isdigit() and "web-app-auth-patterns (web-app +, 2/2 words)" in text


def test_config_comments_and_list_columns_line_up(repo):
    import re
    assert run_inprocess("--root", str(repo), "init", "--no-input", "--clients", "claude,opencode,codex,gemini",
                         "--methodology", "custom", "--depth", "2").code == 0
    commented = [line for line in (repo / ".cadence/config.yml").read_text().splitlines()[1:] if " # " in line]
    assert len(commented) >= 6 and len({line.index(" # ") for line in commented}) == 1
    out = run_inprocess("list").out.splitlines()
    start = out.index("Tools")
    rows = [line for line in out[start:] if line.startswith("  ")]
    # the description column starts at the same place on every row of the tools and build tables
    starts = {re.match(r"  \S+\s+(?:\S.*?\s{2,})?", line).end() for line in rows}
    assert len(starts) == 1, starts


def test_a_failed_wizard_gives_back_every_answer_as_one_command(repo, tmp_path):
    import argparse
    import shlex

    from cadence.cli.init import _as_command, _as_flag_error
    from cadence.errors import CadenceError
    args = argparse.Namespace(name="shop", traits=["web"])
    settings = {"rendering": "ssr", "deploy-target": "container", "realtime": "none", "auth-flow": "oauth"}
    cmd = _as_command(args, "custom", 2, "web-app", settings, ["claude", "codex"])
    err = _as_flag_error(CadenceError("CONFIG_INVALID", "x", "y", data={"errors": [
        "project.web-app.deploy-target: cannot be 'static'"]}), cmd)
    assert "--web-deploy-target" not in err.message and "flags" not in err.hint  # the user answered questions
    assert cmd in err.hint and err.data["command"] == cmd
    other = tmp_path / "other"
    other.mkdir()
    from tests.conftest import git
    git(other, "init", "-q")
    argv = shlex.split(cmd)[1:]
    r = run_inprocess("--root", str(other), "--no-input", *argv)
    assert r.code == 0, r
    cfg = (other / ".cadence/config.yml").read_text()
    assert "methodology: custom" in cfg and "depth: 2" in cfg and "auth-flow: oauth" in cfg
    assert "clients: [claude, codex]" in cfg and "name: shop" in cfg
