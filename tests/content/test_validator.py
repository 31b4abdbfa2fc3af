"""The strict content validator on a small library built per test: each defect is named with file and field."""

from pathlib import Path

import pytest

from cadence.pipeline.validate import validate_content

SECTIONS = ["Purpose", "Inputs", "Expected Outputs", "Quality Criteria", "Methodology Scaling", "Mode Detection",
            "Update Mode Specifics"]


def step(name, phase="vision", order=8, deps="[]", outputs="[docs/a.md]", kb="[entry-a]", extra="", body=None):
    if body is None:
        parts = []
        for s in SECTIONS:
            if s == "Quality Criteria":
                parts.append("## Quality Criteria\n\n- (mvp) Concrete.\n- (deep) Deeper.")
            elif s == "Methodology Scaling":
                parts.append("## Methodology Scaling\n\n- **mvp**: a\n- **deep**: b\n" +
                             "\n".join(f"- Depth {d}: x" for d in range(1, 6)))
            else:
                parts.append(f"## {s}\n\ntext")
        body = "\n\n".join(parts)
    return (f"---\nname: {name}\ndescription: d\nphase: {phase}\norder: {order}\ndependencies: {deps}\n"
            f"outputs: {outputs}\nknowledge-base: {kb}\n{extra}---\n{body}\n")


ENTRY = ("---\nname: entry-a\ndescription: d\ntopics: [t]\n---\n# A\n\nIntro.\n\n## Summary\n\nShort.\n\n"
         "## Deep Guidance\n\n```sh\necho example\n```\n" + "\n".join(f"line {i}" for i in range(100)) + "\n")


def library(tmp_path: Path, steps: dict[str, str], entry: str = ENTRY) -> Path:
    root = tmp_path / "lib"
    (root / "pipeline/vision").mkdir(parents=True)
    (root / "knowledge/core").mkdir(parents=True)
    (root / "methodology/overlays").mkdir(parents=True)
    for name, text in steps.items():
        (root / "pipeline/vision" / f"{name}.md").write_text(text)
    (root / "knowledge/core/entry-a.md").write_text(entry)
    listed = "\n".join(f"  {n}: {{enabled: true}}" for n in steps)
    for m, d in (("deep", 5), ("mvp", 1), ("custom", 3)):
        (root / f"methodology/{m}.yml").write_text(f"name: {m}\ntitle: T\ndescription: D\ndefault-depth: {d}\n"
                                                   f"steps:\n{listed}\n")
    return root


def codes(root: Path) -> list[tuple[str, str, str]]:
    problems, _ = validate_content(root)
    return sorted((p["code"], p["file"], p["field"]) for p in problems)


def test_a_valid_library_has_no_problems(tmp_path):
    assert codes(library(tmp_path, {"a": step("a"), "b": step("b", order=16, deps="[a]")})) == []


@pytest.mark.parametrize("text,expected", [
    (step("b", order=16, deps="[ghost]"), ("STEP_UNKNOWN_DEPENDENCY", "pipeline/vision/b.md", "dependencies")),
    (step("b", order=150), ("STEP_ORDER_RANGE", "pipeline/vision/b.md", "order")),
    (step("b", order=16, kb="[missing-entry]"), ("KNOWLEDGE_MISSING", "pipeline/vision/b.md", "knowledge-base")),
    (step("b", order=16, body="## Purpose\n\nonly"), ("STEP_SECTION_MISSING", "pipeline/vision/b.md", "## Inputs")),
    (step("b", order=16, extra="colour: red\n"), ("STEP_FIELD_UNKNOWN", "pipeline/vision/b.md", "colour")),
    (step("b", order=16, extra="when: 'a =='\n"), ("STEP_FIELD_INVALID", "pipeline/vision/b.md", "when")),
    (step("B", order=16), ("STEP_FIELD_INVALID", "pipeline/vision/b.md", "name")),
    (step("c", order=16), ("STEP_NAME_MISMATCH", "pipeline/vision/b.md", "name")),
    (step("b", order=16, kb="[" + ", ".join(["entry-a"] * 9) + "]"),
     ("STEP_FIELD_INVALID", "pipeline/vision/b.md", "knowledge-base")),
    ("no frontmatter", ("FRONTMATTER_INVALID", "pipeline/vision/b.md", "(frontmatter)")),
    ("---\nname: [unclosed\n---\n", ("FRONTMATTER_YAML", "pipeline/vision/b.md", "(frontmatter)")),
])
def test_each_defect_is_reported_with_file_and_field(tmp_path, text, expected):
    assert expected in codes(library(tmp_path, {"a": step("a"), "b": text}))


def test_a_step_with_an_unknown_field_is_kept_with_a_warning_so_its_dependents_stay_valid(tmp_path):
    from cadence.pipeline.validate import WARNING_CODES
    lib = library(tmp_path, {"a": step("a", extra="colour: red\n"), "b": step("b", order=16, deps="[a]")})
    assert codes(lib) == [("STEP_FIELD_UNKNOWN", "pipeline/vision/a.md", "colour")]
    assert "STEP_FIELD_UNKNOWN" in WARNING_CODES


def test_cycles_are_named(tmp_path):
    lib = library(tmp_path, {"a": step("a", deps="[b]"), "b": step("b", order=16, deps="[a]")})
    problems, _ = validate_content(lib)
    cyc = [p for p in problems if p["code"] == "STEP_CYCLE"]
    assert cyc and "a -> b -> a" in cyc[0]["message"] or "b -> a -> b" in cyc[0]["message"]


def test_preset_missing_a_step_is_an_error(tmp_path):
    lib = library(tmp_path, {"a": step("a")})
    (lib / "pipeline/vision/b.md").write_text(step("b", order=16))
    assert ("PRESET_MISSING_STEP", "methodology/deep.yml", "steps.b") in codes(lib)


def test_knowledge_rules(tmp_path):
    short = "---\nname: entry-a\ndescription: d\ntopics: []\n---\n# A\n## Summary\nx\n## Deep Guidance\ny\n"
    found = codes(library(tmp_path, {"a": step("a")}, entry=short))
    assert ("KNOWLEDGE_TOO_SHORT", "knowledge/core/entry-a.md", "(file)") in found
    assert ("KNOWLEDGE_NO_EXAMPLE", "knowledge/core/entry-a.md", "(body)") in found


def test_unreferenced_entry_is_reported(tmp_path):
    assert ("KNOWLEDGE_UNREFERENCED", "knowledge/core/entry-a.md", "name") in codes(
        library(tmp_path, {"a": step("a", kb="[]")}))
