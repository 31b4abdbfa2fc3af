"""Fuzz targets for every parser of files cadence reads (gate reports have their own): state.json, config.yml,
plans, loop.json, frontmatter, YAML itself and test-runner output. Arbitrary text and near-valid mutations never
raise anything but CadenceError (or the module's documented error), and stay bounded in time: each target runs
a fixed number of examples with a per-example deadline."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadence import yamlio
from cadence.core import loop as loop_core
from cadence.core import plan as plan_core
from cadence.core.frontmatter import FrontmatterError, sections, split
from cadence.core.testcounts import parse_counts
from cadence.errors import CadenceError
from cadence.project.config import validate_config
from cadence.project.state import new_state, parse_state, salvage_state

FAST = settings(max_examples=150, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
STEPS = ("create-vision", "tdd", "design-system")

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10 ** 40), max_value=10 ** 40),
                    st.floats(allow_nan=True), st.text(max_size=30), st.dates())
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
                         st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=20)
yaml_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=20)


def _replace_at(data: Any, path: list[Any], value: Any) -> Any:
    """`data` with the node at `path` (keys / indexes, followed while they exist) replaced by `value`."""
    if not path:
        return value
    key, rest = path[0], path[1:]
    if isinstance(data, dict) and data:
        k = list(data)[key % len(data)] if isinstance(key, int) else key
        return {**data, k: _replace_at(data.get(k), rest, value)}
    if isinstance(data, list) and data:
        i = key % len(data) if isinstance(key, int) else 0
        return data[:i] + [_replace_at(data[i], rest, value)] + data[i + 1:]
    return value


paths = st.lists(st.one_of(st.integers(min_value=0, max_value=50), st.sampled_from(
    ["steps", "status", "outputs", "depth", "tasks", "evidence", "attempts", "counts", "commands", "index"])),
    max_size=5)


# ------------------------------------------------------------------------------------------------ state.json

VALID_STATE = new_state("deep", "greenfield", list(STEPS))
VALID_STATE["steps"]["tdd"] = {"status": "completed", "at": "2026-01-01T00:00:00+00:00", "depth": 3,
                               "source": "run", "outputs": ["docs/tdd.md"], "reason": None}


@FAST
@given(st.text(max_size=300))
def test_state_arbitrary_text(text: str) -> None:
    try:
        parse_state(text)
    except CadenceError as err:
        assert err.exit_code == 3
    salvage_state(text)  # never raises


@FAST
@given(paths, json_values)
def test_state_near_valid_mutations(path: list[Any], value: Any) -> None:
    text = json.dumps(_replace_at(VALID_STATE, path, value))
    try:
        state = parse_state(text)
    except CadenceError as err:
        assert err.exit_code == 3 and len(err.message) < 1000
        salvaged = salvage_state(text)
        if salvaged is not None:
            parse_state(json.dumps(salvaged[0]))  # what the repair writes is valid
        return
    json.dumps(state)
    assert all(isinstance(e["status"], str) for e in state["steps"].values())


# ------------------------------------------------------------------------------------------------ YAML + config

@FAST
@given(st.text(max_size=300))
def test_yaml_arbitrary_text(text: str) -> None:
    try:
        yamlio.load(text)
    except yamlio.YamlError:
        pass


@FAST
@given(st.lists(st.sampled_from(["a: ", "&x ", "*x", "[", "]", "{", "}", ", ", "\n", "- ", "<<: ", "1", "'s'",
                                 "&y ", "*y", "? ", ": ", "!!str ", "---\n"]), max_size=60))
def test_yaml_anchor_soup(parts: list[str]) -> None:
    try:
        yamlio.load("".join(parts))
    except yamlio.YamlError:
        pass


@FAST
@given(st.dictionaries(st.sampled_from(["version", "methodology", "depth", "steps", "clients", "project", "pipeline",
                                        "workflow", "models", "extra"]), yaml_values, max_size=6))
def test_config_near_valid_values(raw: dict[str, Any]) -> None:
    try:
        cfg, warnings = validate_config(raw, STEPS)
    except CadenceError as err:
        assert err.code == "CONFIG_INVALID" and err.exit_code == 1 and len(err.message) < 20_000
        return
    json.dumps(cfg)  # what is cached is plain JSON: no dates, no huge or odd values left
    assert cfg["workflow"]["command-timeout"] <= 7 * 24 * 3600


@FAST
@given(st.sampled_from(["workflow", "models", "project", "pipeline"]),
       st.sampled_from(["command-timeout", "max-retries", "commands", "scope", "worktree", "sessions", "primary",
                        "agents", "name", "traits", "context-budget", "type"]), yaml_values)
def test_config_typed_leaves(section: str, key: str, value: Any) -> None:
    try:
        cfg, _ = validate_config({section: {key: value}}, STEPS)
    except CadenceError as err:
        assert err.code == "CONFIG_INVALID"
        return
    json.dumps(cfg)


# ------------------------------------------------------------------------------------------------ plans

PLAN = ("---\ntitle: Add login\ntype: feature\nissues: [12]\ntouches: [\"src/auth/**\"]\n---\n# Plan: Add login\n\n"
        "## Tasks\n\n- [ ] Task 1: Model\n  - AC: it works\n- [ ] **Task 2: API**\n\n```\n- [ ] fenced\n```\n")


@FAST
@given(st.text(max_size=400))
def test_plan_arbitrary_text(text: str) -> None:
    try:
        parsed = plan_core.parse_plan(text)
    except CadenceError as err:
        assert err.code == "PLAN_INVALID" and err.exit_code == 1
        return
    assert isinstance(parsed["tasks"], list)
    json.dumps(parsed["frontmatter"])


@FAST
@given(st.integers(min_value=0, max_value=len(PLAN)), st.text(max_size=40),
       st.integers(min_value=0, max_value=20))
def test_plan_near_valid_mutations(at: int, insert: str, cut: int) -> None:
    text = PLAN[:at] + insert + PLAN[at + cut:]
    try:
        parsed = plan_core.parse_plan(text)
    except CadenceError as err:
        assert err.code == "PLAN_INVALID"
        return
    plan_core.issues_of(parsed["frontmatter"])
    plan_core.touches_of(parsed["frontmatter"])
    plan_core.listed_files(parsed["body"])
    plan_core.render_plan(parsed["frontmatter"], parsed["body"])


@FAST
@given(yaml_values)
def test_plan_frontmatter_values_round_trip(value: Any) -> None:
    """Whatever value a frontmatter key holds, the plan cadence writes reads back."""
    text = plan_core.render_plan({"title": "t", "v": value}, "## Tasks\n- [ ] a\n")
    parsed = plan_core.parse_plan(text)
    assert parsed["title"] == "t" and len(parsed["tasks"]) == 1


# ------------------------------------------------------------------------------------------------ loop.json

VALID_LOOP = loop_core.new_loop("p.md", [{"description": "a", "acceptance": ["x"]}, {"description": "b"}],
                                {"test": "true"}, 3, "strict", "2026-01-01T00:00:00.000001+00:00")
loop_core.add_evidence(VALID_LOOP, [{"at": "2026-01-01T00:00:01.000001+00:00", "kind": "test", "command": "true",
                                     "exit_code": 0, "duration_s": 0.1, "counts": None, "tail": ""}])


@FAST
@given(paths, json_values)
def test_loop_near_valid_mutations(path: list[Any], value: Any) -> None:
    data = json.loads(json.dumps(_replace_at(VALID_LOOP, path, value)))
    try:
        state = loop_core.validate(data)
    except CadenceError as err:
        assert err.code == "LOOP_CORRUPT" and err.exit_code == 3 and len(err.message) < 1000
        salvaged = loop_core.salvage(json.loads(json.dumps(_replace_at(VALID_LOOP, path, value))))
        if salvaged is None:
            return
        state = salvaged[0]
    loop_core.view(state)
    loop_core.summary_markdown(state, "2026-01-02T00:00:00+00:00")
    loop_core.resume_info(state)
    loop_core.promote(state, "2026-01-02T00:00:00+00:00")


@FAST
@given(json_values)
def test_loop_arbitrary_json(value: Any) -> None:
    try:
        loop_core.validate(value)
    except CadenceError as err:
        assert err.code == "LOOP_CORRUPT"
    loop_core.salvage(value)


# ------------------------------------------------------------------------------------------------ frontmatter

@FAST
@given(st.text(max_size=300))
def test_frontmatter_arbitrary_text(text: str) -> None:
    try:
        fm, body = split(text)
        assert isinstance(fm, str) and isinstance(body, str)
    except FrontmatterError:
        pass
    for heading, content in sections(text):
        assert isinstance(heading, str) and isinstance(content, str)


# ------------------------------------------------------------------------------------------------ test output

@FAST
@given(st.lists(st.sampled_from(["3 passed in 0.1s", "1 failed, 2 passed in 1s", "--- PASS: T", "--- FAIL: U",
                                 "ok  \tpkg\t0.1s", "Tests:  1 failed, 2 total", "  2 passing", "  1 failing",
                                 "test result: ok. 1 passed; 0 failed; 0 ignored", "Ran 3 tests in 0.1s",
                                 "FAILED (failures=1)", "noise", "\x1b[31mred\x1b[0m", ""]), max_size=20),
       st.lists(st.integers(min_value=1, max_value=64), min_size=1, max_size=8))
def test_streamed_counts_equal_whole_text_counts(lines: list[str], cuts: list[int]) -> None:
    """Feeding the output in chunks of any size gives the counts of the whole text."""
    from cadence.workflow.loop import Output
    text = "\n".join(lines) + "\n"
    raw = text.encode()
    out, i, k = Output(), 0, 0
    while i < len(raw):
        step = cuts[k % len(cuts)]
        out.feed(raw[i:i + step])
        i, k = i + step, k + 1
    out.text()
    assert out.counts.result() == parse_counts(text)


@FAST
@given(st.text(max_size=2000))
def test_counts_arbitrary_text(text: str) -> None:
    c = parse_counts(text)
    assert c is None or set(c) == {"passed", "failed", "skipped"}


@pytest.mark.parametrize("n", [10_000, 100_000])
def test_counts_on_long_lines_stay_fast(n: int) -> None:
    import time
    started = time.monotonic()
    parse_counts(("1 passed " * n) + "\n" + "9" * n + " passed in 1s")
    assert time.monotonic() - started < 2
