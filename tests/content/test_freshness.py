"""Freshness, measured: review dates, volatility and pinned versions in the knowledge frontmatter, the shipped
end-of-life table, `cadence knowledge stale` and the `validate --strict` warnings."""

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence import yamlio
from cadence.content.loader import build_knowledge_index, content_dir
from cadence.pipeline.knowledge import REVIEW_MONTHS, add_months, eol_table
from cadence.pipeline.validate import validate_content

RELEASED = dt.date(2026, 12, 7)  # the library's review baseline: nothing may be stale on this day


@pytest.fixture(scope="module")
def entries():
    return build_knowledge_index(content_dir() / "knowledge", "")["entries"]


def test_every_library_entry_states_when_it_was_reviewed_and_how_fast_it_ages(entries):
    for name, e in entries.items():
        assert e["volatility"] in REVIEW_MONTHS, name
        reviewed = dt.date.fromisoformat(e["last_reviewed"])
        assert dt.date(2026, 11, 1) <= reviewed <= dt.date.today(), name  # the library was written from Nov 2026


def test_the_eol_table_is_well_formed_and_covers_every_pin(entries):
    table = yamlio.load((content_dir() / "eol.yml").read_text())
    assert set(table) == {"products", "untracked"}
    assert not set(table["products"]) & set(table["untracked"])
    for product, versions in table["products"].items():
        assert re.fullmatch(r"[a-z][a-z0-9-]*", product)
        for version, end in versions.items():
            assert isinstance(version, str) and isinstance(end, dt.date), (product, version)
    for name, e in entries.items():
        for product, version in e["pins"].items():
            assert product in table["products"] or product in table["untracked"], (name, product)
            if product in table["products"]:
                assert version in table["products"][product], (name, product, version)


def test_the_table_knows_the_dates_that_matter_now():
    products = eol_table()["products"]
    assert products["node"]["20"] == dt.date(2026, 4, 30) and products["node"]["24"] == dt.date(2028, 4, 30)
    assert products["python"]["3.10"] == dt.date(2026, 10, 31)
    assert products["postgresql"]["14"] == dt.date(2026, 11, 12)


@given(day=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)), months=st.integers(0, 120))
def test_adding_months_lands_in_the_right_month_and_never_overflows(day, months):
    due = add_months(day, months)
    assert (due.year * 12 + due.month) - (day.year * 12 + day.month) == months
    assert due.day == day.day or (due.day < day.day and (due + dt.timedelta(days=1)).day == 1)


@pytest.mark.parametrize("day,months,expected", [
    (dt.date(2026, 11, 22), 6, dt.date(2027, 5, 22)),
    (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),
    (dt.date(2027, 8, 31), 6, dt.date(2028, 2, 29)),
    (dt.date(2026, 12, 7), 12, dt.date(2027, 12, 7)),
    (dt.date(2026, 1, 31), 24, dt.date(2028, 1, 31)),
])
def test_review_windows_are_calendar_months(day, months, expected):
    assert add_months(day, months) == expected


def test_nothing_is_stale_on_the_release_day(cli):
    r = cli("knowledge", "stale", "--as-of", RELEASED.isoformat(), "--json")
    assert r.code == 0, r
    data = r.json["data"]
    assert data["stale"] == [] and data["checked"] >= 200 and data["as_of"] == "2026-12-07"
    assert data["untracked"] == []


def test_far_in_the_future_every_entry_is_listed_with_its_reasons(cli):
    r = cli("knowledge", "stale", "--as-of", "2040-01-01", "--json")
    assert r.code == 0, r
    data = r.json["data"]
    assert set(data) == {"as_of", "checked", "stale", "untracked"}
    assert len(data["stale"]) == data["checked"] >= 200
    item = next(s for s in data["stale"] if s["name"] == "tech-stack-selection")
    assert set(item) == {"name", "category", "source", "path", "last_reviewed", "volatility", "review_due",
                         "review_overdue", "eol"}
    assert item["source"] == "library" and item["path"] == "knowledge/core/tech-stack-selection.md"
    assert item["review_overdue"] and item["volatility"] == "high"
    assert {"product": "node", "version": "24", "eol": "2028-04-30"} in item["eol"]
    text = cli("knowledge", "stale", "--as-of", "2040-01-01").out
    assert "tech-stack-selection (core): review was due" in text and "pins node 24, past end of life since" in text


def test_a_pin_past_end_of_life_is_listed_before_the_review_is_due(cli):
    data = cli("knowledge", "stale", "--as-of", "2027-05-01", "--json").json["data"]
    item = next(s for s in data["stale"] if s["name"] == "cli-requirements")
    assert not item["review_overdue"] and item["eol"] == [{"product": "node", "version": "22", "eol": "2027-04-30"}]
    assert all(s["review_due"] < "2027-05-01" or s["eol"] for s in data["stale"])


@pytest.mark.parametrize("bad", ["2027-13-01", "tomorrow", "07/12/2026"])
def test_a_bad_date_is_a_usage_error(cli, bad):
    r = cli("knowledge", "stale", "--as-of", bad, "--json")
    assert r.code == 1 and r.json["error"]["code"] == "USAGE" and "YYYY-MM-DD" in r.json["error"]["hint"]


def _override(project: Path, reviewed: str, extra: str = "") -> Path:
    path = project / ".cadence/knowledge/api-design.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (content_dir() / "knowledge/core/api-design.md").read_text()
    path.write_text(re.sub(r"^last-reviewed: .*$", f"last-reviewed: {reviewed}{extra}", text, count=1, flags=re.M))
    return path


def test_validate_strict_warns_on_stale_entries(cli, project):
    _override(project, "2020-01-01")
    loose = cli("--root", project, "validate", "--json").json["data"]
    assert not [p for p in loose["problems"] if p["code"] == "KNOWLEDGE_STALE"]
    r = cli("--root", project, "validate", "--strict", "--json")
    assert r.code == 1
    stale = [p for p in r.json["data"]["problems"] if p["code"] == "KNOWLEDGE_STALE"]
    assert stale == [{"code": "KNOWLEDGE_STALE", "file": ".cadence/knowledge/api-design.md", "field": "last-reviewed",
                      "severity": "warning", "message": stale[0]["message"]}]
    assert "review was due 2021-01-01 (volatility medium" in stale[0]["message"]
    listed = cli("--root", project, "knowledge", "stale", "--json").json["data"]["stale"]
    assert [(s["name"], s["source"]) for s in listed] == [("api-design", "override")]
    _override(project, dt.date.today().isoformat())
    r = cli("--root", project, "validate", "--strict", "--json")
    assert not [p for p in r.json["data"]["problems"] if p["code"] == "KNOWLEDGE_STALE"]


@pytest.mark.parametrize("field,value,error_field", [
    ("pins", "{python: 3.10}", "pins"),
    ("pins", "{Python: \"3.13\"}", "pins.Python.[key]"),
    ("volatility", "fast", "volatility"),
    ("last-reviewed", "'2026-02-30'", "last-reviewed"),
    ("last-reviewed", "yesterday", "last-reviewed"),
])
def test_freshness_fields_are_validated(tmp_path, field, value, error_field):
    lib = tmp_path / "lib"
    (lib / "knowledge/core").mkdir(parents=True)
    (lib / "methodology").mkdir()
    body = "\n".join(f"line {i}" for i in range(100))
    (lib / "knowledge/core/entry-a.md").write_text(
        f"---\nname: entry-a\ndescription: d\n{field}: {value}\n---\n# A\n\n## Summary\n\nShort.\n\n"
        f"## Deep Guidance\n\n```sh\necho example\n```\n{body}\n")
    problems, _ = validate_content(lib)
    assert ("KNOWLEDGE_FIELD_INVALID", "knowledge/core/entry-a.md", error_field) in {
        (p["code"], p["file"], p["field"]) for p in problems}
