"""Project-type detection from a listing and manifest texts (pure), and its line-format parsers."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from cadence.core.detect_type import choose, detect
from cadence.core.manifests import RepoFacts, parse_go_mod, parse_requirements, requirement_name


def facts(files: dict[str, str]) -> RepoFacts:
    """A listing of `files`, every one of them readable (detection only reads the manifests it knows)."""
    return RepoFacts(frozenset(files), dict(files))


def kinds(f: RepoFacts) -> dict[str, str]:
    return {m.type: m.confidence for m in detect(f)[0]}


def test_every_type_has_a_detector():
    cases = {
        "web-app": {"package.json": json.dumps({"dependencies": {"next": "15", "react-dom": "19"}})},
        "backend": {"pyproject.toml": '[project]\nname = "api"\ndependencies = ["fastapi>=0.110", "sqlalchemy"]\n'},
        "cli": {"Cargo.toml": '[package]\nname = "tool"\n[dependencies]\nclap = "4"\n', "src/main.rs": ""},
        "library": {"package.json": json.dumps({"name": "lib", "main": "index.js", "types": "index.d.ts"})},
        "mobile-app": {"package.json": json.dumps({"dependencies": {"expo": "51", "react-native": "0.74"}})},
        "data-pipeline": {"dbt_project.yml": "name: shop\nmodel-paths: [models]\n", "models/a.sql": ""},
        "ml": {"requirements.txt": "torch==2.3\nmlflow\n", "train.py": ""},
        "browser-extension": {"manifest.json": json.dumps({"manifest_version": 3, "action": {"default_popup": "p.html"},
                                                           "background": {"service_worker": "w.js"}})},
        "game": {"project.godot": "[application]\n"},
    }
    for expected, files in cases.items():
        found = detect(facts(files))[0]
        assert found and found[0].type == expected and found[0].confidence == "high", (expected, found)
        assert found[0].evidence


def test_settings_use_the_settings_table_keys_and_values():
    from cadence.core.settings import TYPES_BY_NAME
    f = facts({"manifest.json": json.dumps({"manifest_version": 3, "options_page": "o.html",
                                            "content_scripts": [{"js": ["c.js"]}]})})
    ext = detect(f)[0][0]
    assert ext.settings == {"manifest": "3", "ui-surfaces": ["options"], "content-script": True,
                            "background-worker": False}
    t = TYPES_BY_NAME["browser-extension"]
    for key, value in ext.settings.items():
        s = t.setting(key)
        assert s is not None
        assert all(v in s.values for v in (value if isinstance(value, list) else [value])) or s.kind == "bool"


def test_test_and_dev_dependencies_do_not_make_a_type():
    toml = ('[project]\nname = "retry"\nlicense = "MIT"\n[project.optional-dependencies]\ntest = ["tornado"]\n'
            '[dependency-groups]\ndev = ["flask", "torch"]\n')
    assert kinds(facts({"pyproject.toml": toml})) == {"library": "high"}


def test_two_equally_plausible_types_are_ambiguous():
    pkg = json.dumps({"dependencies": {"react-dom": "19", "express": "5"}})
    chosen, candidates = choose(detect(facts({"package.json": pkg}))[0])
    assert chosen is None and {c.type for c in candidates} == {"web-app", "backend"}


def test_a_clear_winner_is_chosen_and_low_guesses_are_not_plausible():
    chosen, candidates = choose(detect(facts({"index.html": "<html>"}))[0])
    assert chosen is None and candidates == []
    reqs = "Flask==3.0\nFlask-Login\n"
    chosen, candidates = choose(detect(facts({"requirements.txt": reqs, "app/templates/base.html": "",
                                              "app/api/users.py": ""}))[0])
    assert chosen is not None and chosen.type == "web-app" and [c.type for c in candidates] == ["web-app", "backend"]
    assert chosen.settings["auth-flow"] == "session" and chosen.settings["rendering"] == "ssr"


def test_broken_manifests_are_reported_not_fatal():
    found, problems = detect(facts({"pyproject.toml": "[project\nname=", "package.json": "{nope"}))
    assert found == [] and len(problems) == 2 and problems[0].startswith("pyproject.toml: not valid TOML")


def test_go_mod_and_requirements_line_formats():
    mod = ("module x\n\ngo 1.22\n\nrequire github.com/spf13/cobra v1.8.0\n"
           "require (\n\tgithub.com/gin-gonic/gin v1.9.1 // web\n)\n")
    assert parse_go_mod(mod) == ["github.com/spf13/cobra", "github.com/gin-gonic/gin"]
    assert parse_requirements("# c\n-r base.txt\nFlask==3.0  # pinned\n\n-e .\nrequests[socks]>=2\n") == [
        "Flask==3.0", "requests[socks]>=2"]
    assert requirement_name("Flask_SQLAlchemy==3.1.1") == "flask-sqlalchemy"
    assert requirement_name("zope.interface>=6 ; python_version>'3'") == "zope-interface"


@given(st.text(max_size=400))
def test_parsers_never_crash(text):
    parse_go_mod(text)
    parse_requirements(text)
    requirement_name(text)
    detect(facts({"go.mod": text, "requirements.txt": text, "pyproject.toml": text, "package.json": text,
                  "Cargo.toml": text, "dbt_project.yml": text, "manifest.json": text}))
