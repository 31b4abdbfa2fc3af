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
    assert "-rs" in addopts.split()
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
