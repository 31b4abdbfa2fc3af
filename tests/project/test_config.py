import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.core.settings import TYPES, TYPES_BY_NAME
from cadence.errors import CadenceError
from cadence.project.config import dump_config, validate_config

STEPS = ("create-vision", "tdd", "design-system")


def ok(raw):
    cfg, warnings = validate_config(raw, STEPS)
    return cfg


def errors(raw):
    with pytest.raises(CadenceError) as exc:
        validate_config(raw, STEPS)
    assert exc.value.code == "CONFIG_INVALID" and exc.value.exit_code == 1
    return "\n".join(exc.value.data["errors"])


def test_defaults_fill_in():
    cfg = ok({"project": {"type": "backend", "backend": {"api-style": "rest"}}})
    assert cfg["methodology"] == "deep"
    assert cfg["project"]["backend"] == {"api-style": "rest", "data-store": ["relational"], "auth": "none",
                                         "messaging": "none", "deploy-target": "container"}
    assert cfg["pipeline"]["context-budget"] == 120000
    assert cfg["workflow"]["protected-branches"][:2] == ["main", "master"]


def test_type_without_block_needs_its_required_settings():
    assert "project.web-app.rendering: required" in errors({"project": {"type": "web-app"}})


def test_browser_extension_needs_nothing_and_fills_defaults():
    cfg = ok({"project": {"type": "browser-extension"}})
    assert cfg["project"]["browser-extension"] == {"manifest": "3", "ui-surfaces": ["popup"], "content-script": False,
                                                   "background-worker": True}


def test_ml_serving_default_depends_on_phase():
    assert ok({"project": {"type": "ml", "ml": {"phase": "training"}}})["project"]["ml"]["serving"] == "none"
    assert ok({"project": {"type": "ml", "ml": {"phase": "inference"}}})["project"]["ml"]["serving"] == "realtime"


@pytest.mark.parametrize("ptype,block,needle", [
    ("library", {"visibility": "public", "doc-level": "none"}, "public library needs documentation"),
    ("web-app", {"rendering": "ssr", "deploy-target": "static"}, "needs a server"),
    ("web-app", {"rendering": "hybrid", "deploy-target": "static"}, "needs a server"),
    ("web-app", {"rendering": "spa", "auth-flow": "session", "deploy-target": "static"}, "auth-flow 'session'"),
    ("ml", {"phase": "inference", "serving": "none"}, "must serve"),
    ("ml", {"phase": "both", "serving": "none"}, "must serve"),
    ("ml", {"phase": "training", "serving": "realtime"}, "does not serve"),
    ("browser-extension", {"ui-surfaces": [], "content-script": False, "background-worker": False}, "capability"),
    ("game", {"engine": "godot", "online-services": ["leaderboards"]}, "online services need"),
    ("backend", {"api-style": "none", "auth": "jwt"}, "auth must be 'none'"),
])
def test_cross_field_rules(ptype, block, needle):
    assert needle in errors({"project": {"type": ptype, ptype: block}})


@pytest.mark.parametrize("ptype,block", [
    ("ml", {"phase": "inference", "serving": "realtime"}),
    ("browser-extension", {"ui-surfaces": [], "content-script": True, "background-worker": False}),
    ("game", {"engine": "godot", "multiplayer": "online", "online-services": ["leaderboards"]}),
    ("library", {"visibility": "internal", "doc-level": "none"}),
])
def test_valid_combinations(ptype, block):
    ok({"project": {"type": ptype, ptype: block}})


def test_block_must_match_type():
    assert "needs project.type: game" in errors({"project": {"type": "web-app", "web-app": {"rendering": "spa"},
                                                             "game": {"engine": "unity"}}})
    assert "project.type is not set" in errors({"project": {"backend": {"api-style": "rest"}}})


def test_enum_error_names_path_values_and_near_miss():
    msg = errors({"project": {"type": "web-app", "web-app": {"rendering": "sssr"}}})
    assert "project.web-app.rendering" in msg and "spa, ssr, ssg, hybrid" in msg and "'ssr'" in msg


def test_unknown_key_in_block_is_an_error_and_unknown_top_level_key_a_warning():
    assert "unknown key" in errors({"project": {"type": "cli", "cli": {"interactivity": "hybrid", "colour": 1}}})
    cfg, warnings = validate_config({"colour": "blue"}, STEPS)
    assert any("colour" in w for w in warnings) and "colour" not in cfg  # never copied (nor cached)


def test_user_step_overrides_are_checked_for_every_methodology():
    assert "did you mean 'tdd'" in errors({"methodology": "deep", "steps": {"tddd": {"enabled": False}}}).lower()
    assert "depth" in errors({"steps": {"tdd": {"depth": 9}}})


def test_locales_pattern():
    assert "must match" in errors({"project": {"type": "game", "game": {"engine": "unity", "locales": ["EN"]}}})
    cfg = ok({"project": {"type": "game", "game": {"engine": "unity", "locales": "en,fr-CA"}}})
    assert cfg["project"]["game"]["locales"] == ["en", "fr-CA"]


def test_manifest_accepts_yaml_integer():
    assert ok({"project": {"type": "browser-extension", "browser-extension": {"manifest": 3}}})[
        "project"]["browser-extension"]["manifest"] == "3"


@pytest.mark.parametrize("ptype", [t.name for t in TYPES])
def test_dump_then_load_roundtrips_every_type(ptype):
    from cadence import yamlio
    t = TYPES_BY_NAME[ptype]
    block = {s.key: s.values[0] for s in t.settings if s.required}
    if ptype == "library":
        block["visibility"] = "internal"
    cfg = ok({"methodology": "custom", "depth": 2, "clients": ["claude"], "steps": {"tdd": {"depth": 4}},
              "project": {"name": "x: y", "type": ptype, ptype: block}})
    again = ok(yamlio.load(dump_config(cfg)))
    assert again == cfg


scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 200000), st.text(max_size=12),
                    st.lists(st.text(max_size=8), max_size=3))


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["methodology", "depth", "clients", "project", "pipeline", "workflow",
                                        "steps", "version", "extra"]), scalars, max_size=6))
def test_validation_never_crashes(raw):
    try:
        cfg, _ = validate_config(raw, STEPS)
    except CadenceError as err:
        assert err.code == "CONFIG_INVALID" and err.exit_code == 1
        return
    assert cfg["methodology"] in ("deep", "mvp", "custom")
