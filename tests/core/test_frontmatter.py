import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.core.frontmatter import FrontmatterError, section, sections, split


def test_split_lf_and_crlf():
    assert split("---\na: 1\n---\nbody\n") == ("a: 1", "body\n")
    assert split("---\r\na: 1\r\n---\r\nbody\r\n") == ("a: 1", "body\n")
    assert split("\ufeff---\na: 1\n---\n") == ("a: 1", "")


@pytest.mark.parametrize("bad", ["no frontmatter", "---\na: 1\n", "", "--\na\n---\n"])
def test_split_errors(bad):
    with pytest.raises(FrontmatterError):
        split(bad)


def test_sections_ignore_headings_inside_code_fences():
    body = "## A\none\n```md\n## Not a section\n```\n## B\ntwo\n### sub\n"
    assert [h for h, _ in sections(body)] == ["A", "B"]
    assert "## Not a section" in section(body, "a")
    assert section(body, "missing") is None


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=200)


@given(fm=texts.filter(lambda t: "\n---" not in "\n" + t and not t.startswith("---")), body=texts)
def test_split_roundtrip(fm, body):
    got_fm, got_body = split(f"---\n{fm}\n---\n{body}")
    assert got_fm == fm and got_body == body
