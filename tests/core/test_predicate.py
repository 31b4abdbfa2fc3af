import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.core.predicate import PredicateError, compile_predicate, evaluate

CFG = {"project": {"type": "game", "game": {"narrative": "light", "multiplayer": "none", "modding": False,
                                            "online-services": [], "target-platforms": ["pc", "switch"],
                                            "npc-ai": "simple"}}}


@pytest.mark.parametrize("expr,value", [
    ('project.game.narrative != "none"', True),
    ('project.game.multiplayer in ["online", "hybrid"]', False),
    ('project.game.modding == true', False),
    ('project.game.online-services != []', False),
    ('"switch" in project.game.target-platforms', True),
    ('"live-ops" in project.game.online-services', False),
    ('not project.game.modding', True),
    ('project.game.npc-ai != "none" and project.type == "game"', True),
    ('project.game.narrative == "heavy" or "pc" in project.game.target-platforms', True),
    ('"vr" not in project.game.target-platforms', True),
])
def test_evaluates(expr, value):
    assert evaluate(expr, CFG).value is value


def test_missing_keys_are_unknown_and_follow_kleene_logic():
    r = evaluate('project.web-app.rendering == "ssr"', CFG)
    assert r.value is None and r.missing == ("project.web-app.rendering",)
    assert evaluate('project.nope == 1 or true', CFG).value is True
    assert evaluate('project.nope == 1 and false', CFG).value is False
    assert evaluate('not (project.nope == 1)', CFG).value is None


@pytest.mark.parametrize("bad", ["", "project.x ==", "(a == 1", "a === b", "__import__('os')", "a == 1 b", "[1, 2"])
def test_rejects_malformed(bad):
    with pytest.raises(PredicateError):
        compile_predicate(bad)


@given(st.text(max_size=60))
def test_never_crashes_or_evaluates_code(src):
    try:
        tree = compile_predicate(src)
    except PredicateError:
        return
    assert evaluate(tree, CFG).value in (True, False, None)
