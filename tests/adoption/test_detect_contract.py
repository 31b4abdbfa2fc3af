"""detect: contracts (pure) and their validation in step frontmatter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from cadence.content.models import Detect, StepMeta
from cadence.core.adoption import contract, headings


class Repo:
    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def exists(self, rel: str) -> bool:
        return rel in self.files or any(f.startswith(rel.rstrip("/") + "/") for f in self.files)

    def glob(self, pattern: str) -> list[str]:
        from cadence.core.globs import compile_glob
        return sorted(f for f in self.files if compile_glob(pattern).fullmatch(f))

    def lines(self, rel: str) -> list[str] | None:
        return self.files[rel].splitlines() if rel in self.files else None

    def digest(self, rel: str) -> str:
        return str(hash(self.files.get(rel)))


def test_headings_read_markdown_and_restructuredtext_but_not_code():
    text = "Intro\n=====\n\n# Title\n\n```\n# not a heading\n```\n#hashtag\nUsage\n-----\n"
    assert headings(text.splitlines()) == [(1, "Intro"), (4, "Title"), (10, "Usage")]


def test_all_and_any_checks():
    repo = Repo({"CONTRIBUTING.md": "# Style\n", "pyproject.toml": "[tool.ruff]\n", "tests/test_a.py": ""})
    ok, res = contract({"all": [{"heading": "style"}], "any": [{"path": ".flake8"}, {"glob": "tests/**"}]},
                       ["CONTRIBUTING.md"], repo)
    assert ok and [r.ok for r in res] == [True, False, True]
    ok, res = contract({"all": [{"contains": r"^\[tool\.black", "file": "pyproject.toml"}]}, [], repo)
    assert not ok and res[0].evidence == "not found in pyproject.toml"
    assert contract(None, ["x"], repo) == (True, [])


def test_contract_fields_are_validated():
    with pytest.raises(ValidationError, match="exactly one of"):
        Detect.model_validate({"all": [{"path": "a", "heading": "b"}]})
    with pytest.raises(ValidationError, match="invalid regular expression"):
        Detect.model_validate({"all": [{"heading": "(unclosed"}]})
    with pytest.raises(ValidationError, match="project-relative"):
        Detect.model_validate({"all": [{"path": "../secret"}]})
    with pytest.raises(ValidationError, match="README.md"):
        Detect.model_validate({"candidates": ["README.md"]})
    with pytest.raises(ValidationError, match="'file' only goes with"):
        Detect.model_validate({"any": [{"glob": "*.py", "file": "x"}]})
    meta = StepMeta.model_validate({"name": "x", "description": "d", "detect": {"all": [{"heading": "x"}]}})
    assert meta.detect is not None and meta.detect.all[0].heading == "x"


@given(st.lists(st.text(max_size=60), max_size=40))
def test_headings_never_crash(lines):
    for n, text in headings(lines):
        assert 1 <= n <= len(lines) and text
