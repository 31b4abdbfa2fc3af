"""Assembly content per project type: each overlay's knowledge reaches the steps it serves, and only those."""

import re

import pytest

TYPE_ARGS = {"data-pipeline": ["--pipeline-processing", "hybrid"], "ml": ["--ml-phase", "both"],
             "web-app": ["--web-rendering", "ssr"], "browser-extension": []}


def prompt(cli, repo, ptype, step, depth="5"):
    assert cli("--root", repo, "init", "--no-input", "--project-type", ptype, *TYPE_ARGS[ptype]).code == 0
    r = cli("--root", repo, "run", step, "--preview", "--force", "--depth", depth, "--json")
    assert r.code == 0, r
    return r.json["data"]


def test_data_pipeline_architecture_carries_batch_and_streaming_guidance(cli, repo):
    d = prompt(cli, repo, "data-pipeline", "system-architecture")
    assert {"data-pipeline-architecture", "data-pipeline-batch-patterns", "data-pipeline-streaming-patterns"} <= set(
        d["knowledge"])
    assert "## data-pipeline-batch-patterns:" in d["prompt"] and "## data-pipeline-streaming-patterns:" in d["prompt"]
    assert "watermark" in d["prompt"].lower() and "backfill" in d["prompt"].lower()


def test_ml_architecture_carries_training_and_serving_guidance(cli, repo):
    d = prompt(cli, repo, "ml", "system-architecture")
    assert {"ml-architecture", "ml-training-patterns", "ml-serving-patterns"} <= set(d["knowledge"])
    assert "## ml-serving-patterns:" in d["prompt"] and "## ml-training-patterns:" in d["prompt"]


def test_web_app_architecture_has_no_pipeline_or_ml_guidance(cli, repo):
    d = prompt(cli, repo, "web-app", "system-architecture")
    assert "web-app-architecture" in d["knowledge"]
    assert not [k for k in d["knowledge"] if k.startswith(("data-pipeline-", "ml-"))]


def test_ml_evals_carry_model_evaluation(cli, repo):
    assert "ml-model-evaluation" in prompt(cli, repo, "ml", "create-evals")["knowledge"]


def test_browser_extension_security_carries_content_scripts(cli, repo):
    kb = prompt(cli, repo, "browser-extension", "security")["knowledge"]
    assert {"browser-extension-security", "browser-extension-content-scripts"} <= set(kb)


def test_depth_selects_summary_or_deep_guidance(cli, repo):
    from cadence.content.loader import knowledge_path, read_body
    from cadence.core.frontmatter import section
    body = read_body(knowledge_path("data-pipeline-architecture"))
    summary, deep = section(body, "Summary").strip(), section(body, "Deep Guidance").strip()
    low = prompt(cli, repo, "data-pipeline", "system-architecture", "1")["prompt"]
    assert summary in low and deep not in low and "- Depth 1:" in low and "- Depth 5:" not in low
    high = cli("--root", repo, "run", "system-architecture", "--preview", "--force", "--depth", "5").out
    assert deep in high and summary not in high


def test_an_mvp_prompt_is_a_fraction_of_a_deep_one(cli, repo):
    assert cli("--root", repo, "init", "--no-input").code == 0
    small = cli("--root", repo, "run", "review-prd", "--preview", "--force", "--depth", "1", "--json").json["data"]
    large = cli("--root", repo, "run", "review-prd", "--preview", "--force", "--depth", "5", "--json").json["data"]
    assert small["bytes"] * 2 < large["bytes"]


# ------------------------------------------------------------------ every step at every depth (issue 11 item 3)

def _steps():
    from cadence.content.loader import content_dir, pipeline_index, read_body
    idx = pipeline_index()
    return [(name, read_body(content_dir() / rec["path"])) for name, rec in sorted(idx["steps"].items())]


def _headings(text):
    out, fence = [], False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            fence = not fence
        elif not fence and re.match(r"^#{2,4} ", line):
            out.append(re.sub(r"\s+\((deep|depth [1-5]\+)\)\s*$", "", line))
    return out


def test_no_step_loses_what_its_depth_asks_for():
    from cadence.core.assemble import specialise
    from cadence.core.frontmatter import section
    for name, body in _steps():
        deep = specialise(body, 5)
        assert _headings(deep) == _headings(body), name  # every section survives at depth 5, tags removed
        low = specialise(body, 1)
        for item in re.findall(r"^\s*[-*] \(mvp\)\s*(.+)$", section(body, "Quality Criteria") or "", re.M):
            assert item in low, (name, item)
        for text in (low, deep):
            assert not re.search(r"^\s*[-*] \((deep|depth [1-5]\+)\)|^#{2,4} .*\((deep|depth [1-5]\+)\)\s*$", text,
                                 re.M), name
        assert "codex-review.json" not in specialise(body, 3), name  # multi-model review is depth 4–5 only


def test_the_depth_1_prompts_are_at_most_four_tenths_of_depth_5(project):
    from cadence.pipeline.assembly import assemble_step
    from cadence.pipeline.project import open_project
    proj = open_project(project)
    sizes = {d: sum(len(assemble_step(proj, name, d)[1].prompt.encode()) for name in proj.pipeline.steps)
             for d in (1, 5)}
    assert sizes[1] <= 0.4 * sizes[5], sizes


@pytest.mark.parametrize("step_path,entry,end,item,count", [
    ("pipeline/vision/create-vision.md", "vision-craft", "### Failure modes", r"^\d+\. `## ([^`]+)`", 9),
    ("pipeline/decisions/adrs.md", "adr-craft", "### Writing each section well", r"^\s+- `## ([^`]+)`", 6),
])
def test_a_step_and_its_knowledge_give_one_template(step_path, entry, end, item, count):
    """The step's Expected Outputs is the template; the knowledge entry's template has the same sections,
    in the same order, and the step's table columns."""
    from cadence.content.loader import content_dir, knowledge_path, read_body
    from cadence.core.frontmatter import section
    step = section(read_body(content_dir() / step_path), "Expected Outputs")
    wanted = re.findall(item, step, re.M)
    craft = read_body(knowledge_path(entry))
    template = craft[craft.index("### Template"):craft.index(end)]
    assert re.findall(r"^\s*## (.+)$", template, re.M) == wanted and len(wanted) == count
    for columns in re.findall(r"`(\| [^`]+ \|)`", step):
        assert columns in template or columns in craft, columns


def test_the_knowledge_templates_keep_no_second_scheme():
    from cadence.content.loader import knowledge_path, read_body
    from cadence.core.frontmatter import section
    vision, adr = read_body(knowledge_path("vision-craft")), read_body(knowledge_path("adr-craft"))
    assert "Positioning" not in section(vision, "Summary") and "Success metrics" not in vision
    assert "# ADR-003: " in adr and "ADR-001-record-architecture-decisions.md" in adr
    assert not re.search(r"\b0\d{3}\b", adr)  # no four-digit numbering beside ADR-NNN
