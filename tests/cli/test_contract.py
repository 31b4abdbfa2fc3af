"""The CLI contract of product.md: envelope, exit codes, errors with hints, no tracebacks, colour."""

import json

from tests.conftest import run_subprocess


def test_json_envelope_on_success_and_failure(cli, project):
    ok = cli("--root", project, "next", "--json")
    assert ok.code == 0
    env = json.loads(ok.out)
    assert set(env) == {"ok", "data", "warnings", "error"} and env["ok"] is True and env["error"] is None
    bad = cli("--root", project, "run", "no-such-step", "--json")
    assert bad.code == 1
    env = json.loads(bad.out)
    assert env["ok"] is False and env["error"]["code"] == "UNKNOWN_STEP" and env["error"]["hint"]


def test_global_options_anywhere(cli, project):
    assert cli("next", "--root", project, "--json").json["ok"]
    assert cli("--json", "--root", project, "status").json["ok"]


def test_usage_errors_are_exit_1_with_json(cli, project):
    r = cli("--root", project, "next", "--count", "many", "--json")
    assert r.code == 1 and r.json["error"]["code"] == "USAGE"
    r = cli("--root", project, "frobnicate", "--json")
    assert r.code == 1 and r.json["error"]["code"] == "UNKNOWN_COMMAND"


def test_not_initialised_is_a_precondition(cli, repo):
    r = cli("--root", repo, "status", "--json")
    assert r.code == 2 and r.json["error"]["code"] == "NOT_INITIALIZED" and "cadence init" in r.json["error"]["hint"]


def test_no_traceback_and_no_colour_in_a_subprocess(project):
    (project / ".cadence/state.json").write_text("{broken")
    r = run_subprocess("--root", project, "status")
    assert r.code == 3 and "Traceback" not in r.err and "\x1b[" not in r.err
    assert "doctor --repair" in r.err
    assert r.out == ""


def test_version(cli):
    r = cli("version", "--json")
    assert r.code == 0 and r.json["data"]["version"]
    assert cli("--version").out.startswith("cadence ")


def test_help_lists_every_group(cli):
    out = cli("--help").out
    for cmd in ("init", "next", "plan", "loop", "install", "mcp", "demo"):
        assert f"  {cmd}" in out
