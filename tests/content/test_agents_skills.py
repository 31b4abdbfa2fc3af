"""Agents and skill packs: they validate, their references resolve, and the reviewers' example reports
parse through the quality gate into the verdict they state."""

import json
import re

import pytest

from cadence.content.loader import knowledge_path, load_agents, load_skills
from cadence.core.gate import parse_report, summarize

ROSTER = {"architect", "implement", "fix", "testing", "security", "audit", "docs-writer", "perf", "devops", "coder",
          "refactor", "debug"}
REVIEWERS = ("testing", "security", "audit", "docs-writer", "perf", "devops")
PACKS = {"frontend-development", "ui-design", "backend-development", "mobile-development", "desktop-development",
         "database-design", "api-design", "testing-strategies", "security-hardening", "deployment-automation",
         "architecture-patterns", "design-patterns", "performance-optimization", "code-quality", "git-workflow",
         "monitoring-observability", "data-engineering", "cadence-pipeline", "cadence-workflow"}
ALL_TOOLS = set("""plan_load plan_save repl_status repl_verify repl_report change_scope quality_gate_summary
task_finalize pipeline_next pipeline_run plan_list plan_commit repl_init repl_resume repl_summary branch_status
branch_create
worktree_create worktree_list worktree_remove docs_save docs_index session_save pipeline_status pipeline_complete
pipeline_skip knowledge_get plan_delete plan_overlaps branch_switch docs_init docs_list session_list session_load
github_status github_issues github_projects knowledge_search decision_log cadence_status""".split())  # mcp.md
EXPECTED = {"PASS": "GO", "PASS WITH WARNINGS": "GO-WITH-WARNINGS", "FAIL": "NO-GO"}


@pytest.fixture(scope="module")
def agents():
    found, problems = load_agents()
    assert problems == []
    return found


def test_roster_and_modes(agents):
    assert set(agents) == ROSTER
    assert {n for n, a in agents.items() if a["mode"] == "primary"} == {"architect", "implement", "fix"}
    for a in agents.values():
        assert len(a["body"].splitlines()) >= 80, a["name"]


def test_read_only_boundaries(agents):
    read_only = {n for n, a in agents.items() if a["permissions"].get("edit") == "deny"}
    assert {"architect", "security", "audit"} <= read_only
    for name in read_only:
        assert not {"write", "edit"} & set(agents[name]["tools"]), name
    assert set(agents["architect"]["launches"]) <= read_only  # the architect cannot launch a writer


def test_primary_agents_drive_the_evidence_workflow(agents):
    body = agents["implement"]["body"]
    for tool in ("repl_init", "repl_verify", "repl_report", "change_scope", "quality_gate_summary", "task_finalize"):
        assert tool in body
    assert body.index("repl_verify") < body.index("repl_report")
    assert body.index("quality_gate_summary") < body.rindex("task_finalize")
    assert "plan_save" in agents["architect"]["body"]


EXAMPLE_FINDINGS = {"audit": 4, "perf": 3, "devops": 3, "security": 3, "docs-writer": 3, "testing": 3}


@pytest.mark.parametrize("name", REVIEWERS)
def test_reviewer_example_reports_parse_into_their_verdict_and_findings(agents, name):
    body = agents[name]["body"]
    example = body[body.index("## Example report"):]
    block = json.loads(re.findall(r"```json\n(.*?)```", example, re.S)[-1])
    parsed = parse_report(name, example)
    assert parsed["parsed"] and parsed["verdict"] == block["verdict"]
    assert parsed["warnings"] == []  # the markdown and the JSON describe the same findings
    assert len(parsed["findings"]) == len(block["findings"]) == EXAMPLE_FINDINGS[name]  # one finding, one entry
    assert [(f["severity"], f["title"], f["location"]) for f in parsed["findings"]] == \
        [(f["severity"].lower(), f["title"], f["location"]) for f in block["findings"]]
    markdown = parse_report(name, example[:example.index("```json")])  # the markdown alone says the same
    assert [(f["severity"], f["title"], f["location"]) for f in markdown["findings"]] == \
        [(f["severity"].lower(), f["title"], f["location"]) for f in block["findings"]]
    assert summarize([(name, example)])["recommendation"] == EXPECTED[block["verdict"]]


def test_reviewers_report_in_their_own_words(agents):  # content audit §1: no borrowed section labels
    borrowed = ("Security Audit Summary", "Secrets Scan", "Dependency Audit", "Code Review Summary",
                "Tech Debt Assessment", "Positive Patterns", "85%", "95%")
    for name in REVIEWERS:
        assert not [b for b in borrowed if b in agents[name]["body"]], name


def test_skill_packs_resolve():
    packs, problems = load_skills()
    assert problems == [] and set(packs) == PACKS
    for p in packs.values():
        assert len(p["description"]) <= 1024
        for entry in p["entries"]:
            assert knowledge_path(entry) is not None, (p["name"], entry)
    assert packs["cadence-pipeline"]["entries"][0] == "cadence-pipeline"


def test_agent_skills_and_mcp_tools_exist(agents):
    packs, _ = load_skills()
    for a in agents.values():
        assert set(a["skills"]) <= set(packs), a["name"]
        assert set(a["mcp"]) <= ALL_TOOLS, (a["name"], set(a["mcp"]) - ALL_TOOLS)


# a development pack over a project type's domain carries that type's entries (issue 14)
PACK_CATEGORY = {"backend-development": "backend-", "mobile-development": "mobile-app-",
                 "frontend-development": "web-app-", "data-engineering": "data-pipeline-",
                 "security-hardening": "web-app-", "api-design": "backend-", "database-design": "backend-"}


def test_skill_packs_carry_their_domain_entries():
    packs, _ = load_skills()
    assert packs["backend-development"]["entries"][0] == "backend-architecture"
    for name in ("backend-api-design", "backend-async-patterns", "backend-worker-patterns", "backend-auth-patterns"):
        assert name in packs["backend-development"]["entries"], name
    assert len([e for e in packs["mobile-development"]["entries"] if e.startswith("mobile-app-")]) >= 8
    for pack, prefix in PACK_CATEGORY.items():
        assert any(e.startswith(prefix) for e in packs[pack]["entries"]), pack
    for pack in packs.values():
        assert len(pack["entries"]) == len(set(pack["entries"])), pack["name"]


# ---------------------------------------------------------------- read-only agents stay read-only

READ_ONLY = {"architect", "audit", "debug", "perf", "security"}
# The architect's output is the plan: saving it and committing that one file is its job, through cadence.
PLAN_WRITERS = {"architect": {"plan_save", "plan_commit"}}
WRITE_CAPABLE = [
    "npm audit fix", "npm audit fix --force", "npm audit --json fix", "npm audit --omit=dev fix",
    "pnpm audit --fix", "pnpm audit --json --fix", "pip-audit --fix", "pip-audit --strict --fix",
    "uv run pip-audit --fix", "cargo audit fix", "cargo audit --json fix", "osv-scanner fix --manifest package.json",
    "semgrep --autofix --config auto", "semgrep scan --config auto --autofix", "semgrep scan --autofix",
    "ruff check --fix", "ruff check --no-fix --fix src", "ruff format src", "eslint --fix .", "prettier --write .",
    "npx jest -u", "npx jest --ci -u", "npx jest --updateSnapshot", "npm test -- -u", "npm test -- --updateSnapshot",
    "pnpm test -- -u", "npx vitest run -u", "npx vitest run src --update",
    "git commit -am x", "git push", "git checkout -- a.py", "git restore a.py", "git reset --hard", "git stash",
    "git clean -fd", "git branch -D main", "rm -rf build", "touch x", "cadence plan delete p.md", "cadence finish",
]


def claude_admits(rules: list[str], command: str) -> bool:
    """Claude Code's Bash rules: `Bash(prefix:*)` admits the prefix and anything after it, `Bash(x)` exactly x
    (a `*` inside it is a wildcard)."""
    import fnmatch
    for rule in rules:
        inner = rule[len("Bash("):-1]
        if inner.endswith(":*") and command.startswith(inner[:-2]):
            return True
        if not inner.endswith(":*") and fnmatch.fnmatchcase(command, inner):
            return True
    return False


def opencode_allows(bash: dict[str, str] | str, command: str) -> bool:
    """OpenCode's rule: the last matching pattern decides; only `allow` runs without a human."""
    import fnmatch
    if isinstance(bash, str):
        return bash == "allow"
    action = "ask"
    for pattern, value in bash.items():
        if fnmatch.fnmatchcase(command, pattern):
            action = value
    return action == "allow"


def test_read_only_agents_are_the_ones_that_may_not_edit(agents):
    assert {n for n, a in agents.items() if a["permissions"].get("edit") == "deny"} == READ_ONLY


def test_read_only_agents_call_only_read_only_cadence_tools(agents):
    from cadence.mcp.tools import TOOLS
    for name in READ_ONLY:
        writers = {m for m in agents[name]["mcp"] if not TOOLS[m].read_only}
        assert writers == PLAN_WRITERS.get(name, set()), name


@pytest.mark.parametrize("name", sorted(READ_ONLY))
def test_read_only_allow_lists_admit_no_write_capable_command(agents, name):
    from cadence.clients.claude import claude_tools
    from cadence.clients.opencode import opencode_permission
    bash_rules = [t for t in claude_tools(agents[name]) if t.startswith("Bash(")]
    assert "Bash" not in claude_tools(agents[name])  # never the unrestricted shell
    bash = opencode_permission(agents[name])["bash"]
    for command in WRITE_CAPABLE:
        assert not claude_admits(bash_rules, command), (name, "claude", command)
        assert not opencode_allows(bash, command), (name, "opencode", command)


def test_the_safe_forms_still_run(agents):
    """The rewrite kept what the agents' own instructions run."""
    from cadence.clients.claude import claude_tools
    from cadence.clients.opencode import opencode_permission
    for name, command in [("security", "npm audit --omit=dev"), ("security", "cargo audit"),
                          ("security", "osv-scanner -r ."), ("security", "govulncheck ./..."),
                          ("security", "gitleaks dir --redact src"), ("debug", "npx jest"),
                          ("debug", "pytest tests/test_x.py -x"), ("debug", "git log -p a.py"),
                          ("audit", "ruff check --no-fix"), ("audit", "mypy src"), ("perf", "cargo bench")]:
        rules = [t for t in claude_tools(agents[name]) if t.startswith("Bash(")]
        assert claude_admits(rules, command), (name, command)
        assert opencode_allows(opencode_permission(agents[name])["bash"], command), (name, command)
    # OpenCode keeps the prefix and carves the writes out; Claude cannot say "except", so it gets the exact form
    assert opencode_allows(opencode_permission(agents["debug"])["bash"], "npx jest src/a.test.ts")
    assert opencode_allows(opencode_permission(agents["debug"])["bash"], "python -m pytest -x")
