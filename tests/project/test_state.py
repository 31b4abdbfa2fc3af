import json

import pytest

from cadence.errors import CadenceError
from cadence.project.state import load_state, migrate, new_state, parse_state, save_state


def test_save_is_atomic_and_keeps_a_backup(tmp_path):
    (tmp_path / ".cadence").mkdir()
    s = new_state("deep", "greenfield", ["a", "b"])
    save_state(tmp_path, s)
    s["steps"]["a"]["status"] = "completed"
    save_state(tmp_path, s)
    assert load_state(tmp_path)["steps"]["a"]["status"] == "completed"
    assert json.loads((tmp_path / ".cadence/state.json.bak").read_text())["steps"]["a"]["status"] == "pending"
    assert not list((tmp_path / ".cadence").glob("*.tmp"))


@pytest.mark.parametrize("text", ["", "{", "[]", '{"schema": 2, "steps": {}}', '{"schema": 1}',
                                  '{"schema": 1, "steps": {"a": {"status": "weird"}}}'])
def test_corrupt_state_is_exit_3_with_the_fix(text):
    with pytest.raises(CadenceError) as exc:
        parse_state(text)
    assert exc.value.exit_code == 3 and "doctor --repair" in exc.value.hint


def test_migrations_rename_retire_and_alias_idempotently():
    state = {"schema": 1, "steps": {
        "add-playwright": {"status": "pending"}, "add-maestro": {"status": "completed"},
        "claude-code-permissions": {"status": "completed"},
        "create-prd": {"status": "completed", "outputs": ["docs/prd.md"]}}}
    assert migrate(state) is True
    assert state["steps"]["add-e2e-testing"]["status"] == "completed"
    assert "claude-code-permissions" not in state["steps"]
    assert state["steps"]["create-prd"]["outputs"] == ["docs/plan.md"]
    assert migrate(state) is False
