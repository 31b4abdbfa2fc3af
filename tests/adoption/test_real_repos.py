"""Adoption on four real repositories (../shared/fixtures/repos): detection, the plan, apply, adoption mode."""

from __future__ import annotations

import json

import pytest
from tests.adoption.realrepos import unpack

EXPECTED = {
    "jaffle_shop": ("data-pipeline", {"processing": "batch", "quality": "testing"},
                    "dbt_project.yml: name: jaffle_shop"),
    "microblog": ("web-app", {"rendering": "ssr", "deploy-target": "container", "auth-flow": "session"},
                  "requirements.txt: Flask==3.0.0"),
    "tenacity": ("library", {"visibility": "public", "doc-level": "full-site", "type-definitions": True},
                 "pyproject.toml: [project] name = \"tenacity\" with no entry points"),
    "tldr-python-client": ("cli", {"interactivity": "args-only",
                                   "distribution": ["package-manager", "system-package-manager"]},
                           "pyproject.toml: [project.scripts] tldr = \"tldr:cli\""),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_init_detects_the_type_settings_and_brownfield(cli, tmp_path, name):
    root = unpack(name, tmp_path)
    ptype, settings, evidence = EXPECTED[name]
    r = cli("--root", root, "init", "--no-input", "--json")
    assert r.code == 0, r
    data = r.json["data"]
    assert data["mode"] == "brownfield" and data["project_type"] == ptype
    assert evidence in data["detection"]["used"]["evidence"]
    config = (root / ".cadence/config.yml").read_text()
    from cadence import yamlio
    block = yamlio.load(config)["project"][ptype]
    assert {k: block[k] for k in settings} == settings
    assert json.loads((root / ".cadence/state.json").read_text())["mode"] == "brownfield"


def test_flags_win_over_detection(cli, tmp_path):
    root = unpack("microblog", tmp_path)
    r = cli("--root", root, "init", "--no-input", "--project-type", "backend", "--json")
    assert r.code == 0, r
    from cadence import yamlio
    block = yamlio.load((root / ".cadence/config.yml").read_text())["project"]["backend"]
    assert block["auth"] == "jwt" and block["messaging"] == "queue" and "relational" in block["data-store"]
    r = cli("--root", root, "init", "--no-input", "--force", "--web-rendering", "spa", "--json")
    assert r.code == 0, r
    block = yamlio.load((root / ".cadence/config.yml").read_text())["project"]["web-app"]
    assert block["rendering"] == "spa" and block["auth-flow"] == "session"


def test_ambiguous_repository_needs_a_decision(cli, repo):
    (repo / "package.json").write_text(json.dumps({"name": "app", "dependencies": {"react-dom": "19",
                                                                                    "express": "5"}}))
    r = cli("--root", repo, "init", "--no-input")
    assert r.code == 4 and "PROJECT_TYPE_AMBIGUOUS" in r.err and "--project-type web-app|backend" in r.err
    assert "package.json: dependencies react-dom 19" in r.err
    assert not (repo / ".cadence").exists()
    assert cli("--root", repo, "init", "--no-input", "--project-type", "web-app", "--web-rendering", "spa").code == 0
