import pytest

from cadence.content.loader import build_pipeline_index, content_dir
from cadence.core.resolve import resolve


@pytest.fixture(scope="module")
def index():
    idx = build_pipeline_index(content_dir())
    assert not [p for p in idx["problems"]], idx["problems"][:5]
    return idx


def cfg(**kw):
    base = {"methodology": "deep", "depth": None, "steps": {}, "project": {"traits": []}}
    base.update(kw)
    return base


def test_deep_enables_60_core_steps(index):
    p = resolve(index, cfg())
    assert sum(1 for s in p.steps.values() if s.enabled) == 60
    assert p.default_depth == 5 and not any(s.enabled for s in p.steps.values() if s.name == "game-design-document")


def test_mvp_and_custom_counts(index):
    assert sum(s.enabled for s in resolve(index, cfg(methodology="mvp")).steps.values()) == 19
    custom = resolve(index, cfg(methodology="custom"))
    assert sum(s.enabled for s in custom.steps.values()) == 56 and not custom.steps["innovate-prd"].enabled


def test_user_overrides_apply_after_the_overlay(index):
    game = {"type": "game", "game": {"engine": "godot", "narrative": "none", "multiplayer": "none", "economy": "none",
                                     "online-services": [], "modding": False, "persistence": "none",
                                     "npc-ai": "none", "target-platforms": ["pc"], "locales": ["en"]}}
    p = resolve(index, cfg(project=game))
    assert not p.steps["design-system"].enabled and p.steps["game-design-document"].enabled
    p2 = resolve(index, cfg(project=game, steps={"design-system": {"enabled": True}}))
    assert p2.steps["design-system"].enabled  # the user wins over the overlay


def test_game_overlay_rewires_dependencies_and_predicates(index):
    game = {"type": "game", "game": {"engine": "unity", "narrative": "none", "multiplayer": "online",
                                     "economy": "none", "online-services": ["live-ops"], "modding": False,
                                     "persistence": "cloud", "npc-ai": "none", "target-platforms": ["pc"],
                                     "locales": ["en"]}}
    p = resolve(index, cfg(project=game))
    assert "review-gdd" in p.steps["user-stories"].dependencies
    assert "review-game-ui" in p.steps["platform-parity-review"].dependencies
    assert "game-ui-spec" in p.steps["implementation-playbook"].reads and "ux-spec" not in p.steps[
        "implementation-playbook"].reads
    assert not p.steps["narrative-bible"].applicable and p.steps["netcode-spec"].applicable
    assert p.steps["live-ops-plan"].applicable and not p.steps["platform-cert-prep"].applicable
    st = {"narrative-bible": "pending"}
    assert p.status("narrative-bible", st) == "skipped"
    assert "narrative-bible" not in [s.name for s in p.eligible({})]


def test_overlays_inject_their_type_knowledge_only(index):
    for t in ("web-app", "backend", "cli", "library", "mobile-app", "data-pipeline", "ml", "browser-extension"):
        p = resolve(index, cfg(project={"type": t, t: {}}))
        kb = p.steps["system-architecture"].knowledge
        assert f"{t}-architecture" in kb
        assert not any(k.endswith("-architecture") and not k.startswith(t) and k != "system-architecture"
                       for k in kb)
    dp = resolve(index, cfg(project={"type": "data-pipeline", "data-pipeline": {}}))
    assert {"data-pipeline-batch-patterns", "data-pipeline-streaming-patterns"} <= set(
        dp.steps["system-architecture"].knowledge)


def test_depth_precedence(index):
    p = resolve(index, cfg(methodology="custom", depth=2, steps={"tdd": {"depth": 4}}))
    assert p.depth_for("tdd", 1) == (1, "--depth flag")
    assert p.depth_for("tdd")[0] == 4
    assert p.depth_for("create-prd")[0] == 2
    assert resolve(index, cfg(depth=2)).depth_for("create-prd")[0] == 5  # depth only counts for custom


def test_eligibility_at_start_and_disabled_dependencies_count_as_satisfied(index):
    p = resolve(index, cfg())
    assert [s.name for s in p.eligible({})] == ["create-vision", "create-prd", "beads", "tech-stack"]
    p2 = resolve(index, cfg(steps={"tech-stack": {"enabled": False}}))
    assert "coding-standards" in [s.name for s in p2.eligible({})]
