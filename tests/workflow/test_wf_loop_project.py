"""The loop on disk: start / status / verify / report with real commands, corrupt state, detection."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from wfhelpers import PLAN, save_plan_file

from cadence.errors import CadenceError
from cadence.workflow import loop

PY = sys.executable


def cmd(code: str) -> str:
    import shlex
    return shlex.join([PY, "-c", code])


def test_start_refuses_to_clobber_unfinished_loop(repo: Path) -> None:  # [FIX] silent overwrite
    name = save_plan_file(repo)
    loop.start_loop(repo, name, test="true")
    with pytest.raises(CadenceError) as e:
        loop.start_loop(repo, name, test="true")
    assert e.value.code == "LOOP_ACTIVE" and e.value.exit_code == 3
    assert loop.start_loop(repo, name, test="true", force=True)["progress"]["total"] == 2


def test_verify_records_evidence_and_strict_pass(repo: Path) -> None:
    name = save_plan_file(repo)
    loop.start_loop(repo, name, build=cmd("print('built')"),
                    test=cmd("import sys; print('x' * 9000); print('4 passed, 1 skipped in 0.1s'); sys.exit(0)"),
                    lint=cmd("import sys; print('lint bad'); sys.exit(3)"))
    d = loop.verify_loop(repo)
    kinds = {e["kind"]: e for e in d["evidence"]}
    assert kinds["build"]["exit_code"] == 0 and kinds["build"]["counts"] is None
    assert kinds["test"]["counts"] == {"passed": 4, "failed": 0, "skipped": 1}
    assert len(kinds["test"]["tail"].encode()) <= 4096 and kinds["test"]["tail"].rstrip().endswith("in 0.1s")
    assert kinds["lint"]["exit_code"] == 3 and not d["green"]
    assert all(e["duration_s"] >= 0 for e in d["evidence"])
    with pytest.raises(CadenceError) as e:
        loop.report_loop(repo, "pass", "")
    assert e.value.code == "UNVERIFIED" and e.value.exit_code == 2
    state = json.loads((repo / ".cadence/loop.json").read_text())
    assert state["tasks"][0]["evidence"][0]["command"] == loop.load_loop(repo)["commands"]["build"]


def test_verify_green_then_pass_advances(repo: Path) -> None:
    name = save_plan_file(repo)
    loop.start_loop(repo, name, test=cmd("print('1 passed in 0.01s')"))
    assert loop.verify_loop(repo)["green"]
    d = loop.report_loop(repo, "pass", "ok")
    assert d["current"]["index"] == 1 and d["progress"]["passed"] == 1


def test_verify_timeout_and_missing_command(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = save_plan_file(repo)
    cfg = repo / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("command-timeout: 600", "command-timeout: 1"))
    loop.start_loop(repo, name, test=cmd("import time; time.sleep(30)"), lint="definitely-not-a-command-xyz")
    t0 = time.monotonic()
    d = loop.verify_loop(repo)
    assert time.monotonic() - t0 < 15
    ev = {e["kind"]: e for e in d["evidence"]}
    assert ev["test"]["exit_code"] == 124 and "timed out" in ev["test"]["tail"]
    assert ev["lint"]["exit_code"] == 127


def test_commands_are_argument_lists_not_shell(repo: Path) -> None:
    name = save_plan_file(repo)
    loop.start_loop(repo, name, test=cmd("import sys; print(sys.argv[1:])") + " '$(touch pwned)' ';' 'rm -rf x'")
    d = loop.verify_loop(repo)
    assert "$(touch pwned)" in d["evidence"][0]["tail"]
    assert not (repo / "pwned").exists()


def test_no_commands_is_precondition(repo: Path) -> None:
    name = save_plan_file(repo)
    loop.start_loop(repo, name, test="", build="", lint="")
    with pytest.raises(CadenceError) as e:
        loop.verify_loop(repo)
    assert e.value.code == "NO_COMMANDS" and e.value.exit_code == 2


def test_warn_mode_from_config(repo: Path) -> None:
    cfg = repo / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("verify: strict", "verify: warn"))
    loop.start_loop(repo, save_plan_file(repo), test="false")
    d = loop.report_loop(repo, "pass", "trust me")
    assert d["outcome"]["verified"] is False


def test_retries_stop_for_decision_on_disk(repo: Path) -> None:
    loop.start_loop(repo, save_plan_file(repo), test="true", max_retries=2)
    loop.report_loop(repo, "fail", "a")
    d = loop.report_loop(repo, "fail", "b")
    assert d["blocked"] and d["outcome"]["decision_needed"] and d["current"]["index"] == 0
    assert loop.status_loop(repo)["current"]["index"] == 0  # status does not advance either
    with pytest.raises(CadenceError) as e:
        loop.verify_loop(repo)
    assert e.value.exit_code == 4
    assert loop.retry_loop(repo)["current"]["status"] == "in_progress"
    assert loop.abort_loop(repo)["aborted"]
    assert "aborted" in loop.summary_loop(repo)["markdown"]


@pytest.mark.parametrize("content", ["{not json", "[]", '{"version": 9}', "", '{"version": 1, "plan": "x"}'])
def test_corrupt_state_is_explicit(repo: Path, content: str) -> None:  # [FIX] corrupt treated as "no loop"
    (repo / ".cadence/loop.json").write_text(content)
    for fn in (loop.status_loop, loop.resume_loop, loop.summary_loop):
        with pytest.raises(CadenceError) as e:
            fn(repo)
        assert e.value.code == "LOOP_CORRUPT" and e.value.exit_code == 3
    with pytest.raises(CadenceError):
        loop.start_loop(repo, save_plan_file(repo), test="true")
    loop.start_loop(repo, save_plan_file(repo), test="true", force=True)


def test_no_loop(repo: Path) -> None:
    with pytest.raises(CadenceError) as e:
        loop.status_loop(repo)
    assert e.value.code == "NO_LOOP" and e.value.exit_code == 2


def test_crlf_plan_loop(repo: Path) -> None:
    from cadence.project.planfiles import plans_dir
    plans_dir(repo).mkdir(parents=True, exist_ok=True)
    (plans_dir(repo) / "2026-01-01-feature-crlf.md").write_bytes(PLAN.replace("\n", "\r\n").encode())
    d = loop.start_loop(repo, "2026-01-01-feature-crlf.md", test="true")
    assert d["progress"]["total"] == 2 and d["current"]["acceptance"] == ["schema has name and email",
                                                                           "email is validated"]


def test_detection_from_repo_and_config_override(repo: Path) -> None:
    (repo / "pyproject.toml").write_text("[tool.ruff]\n")
    d = loop.start_loop(repo, save_plan_file(repo))
    assert d["commands"] == {"build": None, "test": "python -m pytest", "lint": "ruff check ."}
    cfg = repo / ".cadence/config.yml"
    text = cfg.read_text().replace("  sessions:", "  commands:\n    test: tox -q\n  sessions:")
    cfg.write_text(text)
    d = loop.start_loop(repo, save_plan_file(repo), force=True)
    assert d["commands"]["test"] == "tox -q"


def test_detection_in_nearest_subdirectory(repo: Path) -> None:
    (repo / "web").mkdir()
    (repo / "web/package.json").write_text('{"devDependencies": {"vitest": "1"}}')
    d = loop.start_loop(repo, save_plan_file(repo))
    assert d["commands"]["test"] == "npx vitest run" and d["detection"]["cwd"] == "web"
