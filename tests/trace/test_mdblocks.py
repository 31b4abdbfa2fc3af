"""The markdown block parser: headings, items, rows, paragraphs; fences skipped."""

from __future__ import annotations

import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.core.mdblocks import Block, parse, split_cells


def kinds(text: str) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in parse(text)]


def test_headings_items_rows_and_paragraphs_in_order() -> None:
    text = ("# Title\n\nIntro line one\nline two\n\n## Section ##\n- item one\n  continued\n  - nested\n"
            "1. numbered\n\n| ID | Name |\n|---|---|\n| FR-001 | Login |\n")
    blocks = parse(text)
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", "Title"), ("para", "Intro line one line two"), ("heading", "Section"),
        ("item", "item one continued"), ("item", "nested"), ("item", "numbered"),
        ("row", "ID | Name"), ("row", "FR-001 | Login")]
    assert [b.level for b in blocks if b.kind == "heading"] == [1, 2]
    assert [b.level for b in blocks if b.kind == "item"] == [0, 2, 0]
    rows = [b for b in blocks if b.kind == "row"]
    assert rows[0].header and not rows[1].header
    assert rows[1].cells == ("FR-001", "Login") and rows[1].line == 14


def test_fenced_code_is_skipped_and_an_unclosed_fence_runs_to_the_end() -> None:
    assert kinds("```\n# not a heading\n- not an item\n```\n# after\n") == [("heading", "after")]
    assert kinds("~~~~\n```\n# inside\n~~~~\ntext\n") == [("para", "text")]
    assert kinds("para\n```python\n# never closed\n") == [("para", "para")]


def test_checkboxes_are_dropped_from_items_and_setext_headings_are_read() -> None:
    assert kinds("- [ ] Task 1: do it\n- [x] done\n") == [("item", "Task 1: do it"), ("item", "done")]
    assert kinds("Title\n=====\nSub\n---\n") == [("heading", "Title"), ("heading", "Sub")]


def test_escaped_pipes_stay_in_the_cell() -> None:
    assert split_cells(r"| a \| b | c |") == ("a | b", "c")
    assert split_cells("a | b") == ("a", "b")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("#-*|`~ \n\t1.)abFR0[]x=")), max_size=400))
def test_any_text_parses_and_line_numbers_are_in_range(text: str) -> None:
    n = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    for b in parse(text):
        assert b.kind in ("heading", "item", "row", "para")
        assert 1 <= b.line <= n
        assert "\n" not in b.text


# An ATX heading as CommonMark reads it, written as one regex (the parser reads it without this regex:
# its lazy group backtracks quadratically on long runs of spaces and tabs).
ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(" \t#ab\\\x0b")), max_size=30))
def test_atx_headings_read_as_commonmark_says(line: str) -> None:
    m = ATX.match(line)
    blocks = parse(line)
    if m:
        assert blocks == [Block("heading", (m.group(2) or "").strip(), 1, len(m.group(1)))]
    else:
        assert not blocks or blocks[0].kind != "heading"


def test_long_lines_parse_in_linear_time() -> None:
    lines = ["# a" + " \t" * 20_000 + "x", "- " + " \t" * 20_000 + "x", "| " + "\\|" * 20_000, "Title" + " \t" * 20_000]
    start = time.perf_counter()
    blocks = parse("\n\n".join(lines))
    assert time.perf_counter() - start < 1.0
    assert [b.kind for b in blocks] == ["heading", "item", "row", "para"]
    assert blocks[0].text.endswith("x")
