from cadence.core.assemble import (
    Artifact,
    AssemblyInput,
    Knowledge,
    assemble,
    filter_criteria,
    knowledge_text,
    reduce_scaling,
    specialise,
)

BODY = """## Purpose

Write it. Argument: $ARGUMENTS

## Quality Criteria

- (mvp) Always there.
- (deep) Only deep,
  continued on a second line.
- (depth 3+) From three.
- Untagged stays.

## Methodology Scaling

- **mvp**: small.
- **deep**: big.
- Depth 1: one.
- Depth 2: two.
- Depth 3: three.
- Depth 4: four.
- Depth 5: five.

## Mode Detection

Check files.
"""

ENTRY = "# T\n\nIntro.\n\n## Summary\n\nShort version.\n\n## Deep Guidance\n\nLong version.\n"


def make(**kw):
    base = dict(step="s", body=BODY, methodology="deep", depth=5, depth_source="test", completed=1, total=3)
    base.update(kw)
    return AssemblyInput(**base)


def test_criteria_filtered_by_depth():
    text = BODY.split("## Quality Criteria")[1].split("## Methodology")[0]
    d1 = filter_criteria(text, 1)
    assert "Always there" in d1 and "Only deep" not in d1 and "From three" not in d1 and "Untagged" in d1
    d4 = filter_criteria(text, 4)
    assert "Only deep" in d4 and "continued on a second line" in d4 and "(deep)" not in d4


def test_scaling_reduced_to_the_depth_line():
    text = BODY.split("## Methodology Scaling")[1].split("## Mode")[0]
    assert reduce_scaling(text, 2) == "- Depth 2: two."


def test_specialise_keeps_other_sections():
    out = specialise(BODY, 1)
    assert "## Mode Detection" in out and "Depth 5" not in out and "- Depth 1: one." in out


def test_knowledge_summary_at_low_depth_deep_guidance_at_high():
    assert knowledge_text(ENTRY, 2) == "Short version."
    assert knowledge_text(ENTRY, 3) == "Long version."
    assert knowledge_text("no sections here", 1) == "no sections here"


def test_seven_sections_in_order_and_deterministic():
    inp = make(knowledge=[Knowledge("k", "desc", ENTRY), Knowledge("k", "dup", ENTRY)],
               artifacts=[Artifact("docs/a.md", "A" * 10, "dep")], decisions=["D-001 (dep): chose X"])
    a, b = assemble(inp), assemble(inp)
    assert a.prompt == b.prompt
    heads = [line for line in a.prompt.splitlines() if line.startswith("# ")]
    assert heads == ["# System", "# Meta-Prompt", "# Knowledge Base", "# Project Context", "# Methodology",
                     "# Instructions", "# Execution"]
    assert a.prompt.count("## k: desc") == 1 and a.knowledge == ["k"]
    assert "D-001 (dep): chose X" in a.prompt and "cadence complete s" in a.prompt


def test_arguments_replaced_literally_and_emptied_when_absent():
    assert "Argument: $1 \\g<0> $&" in assemble(make(arguments="$1 \\g<0> $&")).prompt
    assert "$ARGUMENTS" not in assemble(make()).prompt


def test_budget_keeps_whole_artifacts_and_lists_the_rest():
    arts = [Artifact("big.md", "x" * 100, "a"), Artifact("small.md", "y" * 10, "b"), Artifact("mid.md", "z" * 50, "c")]
    res = assemble(make(artifacts=arts, budget=70))
    assert res.context == ["small.md", "mid.md"] and res.omitted == ["big.md"]
    assert "## Omitted context" in res.prompt and "- big.md (100 bytes)" in res.prompt
    assert "x" * 100 not in res.prompt


def test_update_mode_shows_existing_outputs_first():
    res = assemble(make(update_mode=True, existing=[Artifact("docs/out.md", "old", "s")]))
    assert "## Existing Output: docs/out.md" in res.prompt and "UPDATE MODE" in res.prompt


def test_instructions_layers():
    res = assemble(make(instructions=("g", None, "inline")))
    assert "### Global Instructions\n\ng" in res.prompt and "### Inline Instructions\n\ninline" in res.prompt
    assert "(No user instructions provided.)" in assemble(make()).prompt


DEEP_BODY = """## Expected Outputs

- `docs/review.md`.
- (depth 4+) Also `docs/review/summary.md`,
  continued.

```markdown
## Multi-Model Review (depth 4+)
kept: a code block is never a heading
```

## Multi-Model Review (depth 4+)

Ask another CLI.

### Fallback

Self-review.

## Mode Detection

Check files.
"""


def test_sections_and_items_tagged_for_deeper_depths_are_absent_below_them():
    low = specialise(DEEP_BODY, 3)
    assert "Ask another CLI" not in low and "### Fallback" not in low and "summary.md" not in low
    assert "continued" not in low and "## Mode Detection" in low and "`docs/review.md`" in low
    assert "kept: a code block is never a heading" in low and "## Multi-Model Review (depth 4+)\nkept" in low
    high = specialise(DEEP_BODY, 4)
    assert "## Multi-Model Review\n\nAsk another CLI." in high and "### Fallback" in high
    assert "- Also `docs/review/summary.md`,\n  continued." in high and "(depth 4+) Also" not in high


def test_a_tagged_subsection_ends_at_the_next_heading_of_its_level():
    body = "## A\n\nx\n\n### B (deep)\n\ny\n\n### C\n\nz\n"
    assert specialise(body, 2) == "## A\n\nx\n\n### C\n\nz"
    assert specialise(body, 5) == "## A\n\nx\n\n### B\n\ny\n\n### C\n\nz"
