"""Acceptance checks of the workflow half, driven the way an outside suite drives it.

Everything goes through the real CLI in a subprocess (`python -m cadence --json …`) inside temp git
repositories — most of them *not* `cadence init`-ed, as a script would find them — with a local bare
repository as `origin` and a fake `gh` on PATH that records its arguments. The checks follow
`shared/spec/workflow.md` (commands, JSON shapes, exit codes) and the reference defects marked [FIX].
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.workflow.wfhelpers import FAKE_GH

IDENTITY = {"GIT_AUTHOR_NAME": "Acc", "GIT_AUTHOR_EMAIL": "acc@example.invalid", "GIT_COMMITTER_NAME": "Acc",
            "GIT_COMMITTER_EMAIL": "acc@example.invalid", "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}

# the same recording gh as the workflow unit tests


class Env:
    """A temp world: HOME, PATH (with or without the fake gh), the repo and its bare origin."""

    def __init__(self, tmp: Path, with_gh: bool = True, default_branch: str = "main") -> None:
        self.tmp = tmp
        self.home = tmp / "home"
        self.home.mkdir()
        self.ghdir = tmp / "ghfake"
        self.ghdir.mkdir()
        bindir = tmp / "bin"
        bindir.mkdir()
        (bindir / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
        if with_gh:
            gh = self.ghdir / "gh"
            gh.write_text(FAKE_GH.format(python=sys.executable))
            gh.chmod(0o755)
        path = os.pathsep.join([str(self.ghdir), str(bindir), "/usr/bin", "/bin"])
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GH_"))}, **IDENTITY,
                    "HOME": str(self.home), "PATH": path, "GH_FAKE_DIR": str(self.ghdir), "NO_COLOR": "1",
                    "GIT_CONFIG_GLOBAL": os.devnull}
        self.origin = tmp / "origin.git"
        self.git(tmp, "init", "-q", "--bare", "-b", default_branch, str(self.origin))
        self.repo = tmp / "repo"
        self.repo.mkdir()
        self.git(self.repo, "init", "-q", "-b", default_branch)
        (self.repo / "README.md").write_text("# demo\n")
        self.git(self.repo, "add", "-A")
        self.git(self.repo, "commit", "-q", "-m", "init")
        self.git(self.repo, "remote", "add", "origin", str(self.origin))
        self.git(self.repo, "push", "-q", "-u", "origin", default_branch)

    def git(self, cwd: Path, *args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=self.env, check=False)
        assert proc.returncode == 0, f"git {args}: {proc.stderr}"
        return proc.stdout

    def run(self, *args: str, cwd: Path | None = None, stdin: str = "") -> tuple[int, dict]:
        proc = subprocess.run([sys.executable, "-m", "cadence", "--json", *args], cwd=cwd or self.repo,
                              capture_output=True, text=True, env=self.env, input=stdin, timeout=120)
        assert "Traceback" not in proc.stderr, proc.stderr
        doc = json.loads(proc.stdout)
        assert set(doc) == {"ok", "data", "warnings", "error"}, doc
        assert doc["ok"] is (proc.returncode == 0), (proc.returncode, doc)
        return proc.returncode, doc

    def ok(self, *args: str, **kw: object) -> dict:
        code, doc = self.run(*args, **kw)  # type: ignore[arg-type]
        assert code == 0, doc
        return doc["data"]

    def gh_calls(self) -> list[list[str]]:
        f = self.ghdir / "calls.jsonl"
        return [json.loads(x) for x in f.read_text().splitlines()] if f.exists() else []

    def gh_respond(self, responses: dict[str, object]) -> None:
        (self.ghdir / "responses.json").write_text(json.dumps(responses))

    def body(self) -> str:
        return (self.ghdir / "body.md").read_text()


@pytest.fixture()
def env(tmp_path: Path) -> Env:
    return Env(tmp_path)


# --------------------------------------------------------------------------------------------- scope

SCOPE_TABLE = [
    # reference false positives / negatives [FIX]
    ("src/tokenizer.ts", "standard"),
    ("src/latest/util.ts", "standard"),
    ("src/authentication.ts", "high"),
    ("src/auth/auth.test.ts", "low"),
    ("migrations/001.sql", "high"),
    ("db/schema.sql", "high"),
    ("alembic/versions/0001_init.py", "high"),
    ("Dockerfile", "high"),
    ("docker-compose.prod.yml", "high"),
    (".github/workflows/x.yml", "high"),
    (".gitlab-ci.yml", "high"),
    ("infra/main.tf", "high"),
    ("package-lock.json", "standard"),
    ("package.json", "standard"),
    ("docs/guide.md", "trivial"),
    ("LICENSE", "trivial"),
    ("CHANGELOG.md", "trivial"),
    (".editorconfig", "trivial"),
    (".vscode/settings.json", "trivial"),
    (".prettierrc", "trivial"),
    ("src/userSessionStore.ts", "high"),
    ("src/OAuthClient.ts", "high"),
    ("src/JWTHelper.ts", "high"),
    ("src/passwordReset.py", "high"),
    ("src/billing/invoice.py", "high"),
    ("src/tools/session.ts", "high"),
    ("src/utils/math.ts", "standard"),
    ("src/index.ts", "standard"),
    ("src/author.ts", "standard"),
    ("src/contest.ts", "standard"),
    ("src/inspect.ts", "standard"),
    ("src/attestation.ts", "standard"),
    ("src/foo.test.ts", "low"),
    ("src/foo.spec.tsx", "low"),
    ("tests/test_x.py", "low"),
    ("pkg/foo_test.go", "low"),
    ("app/src/FooTest.java", "low"),
    ("test_models.py", "low"),
    ("tsconfig.json", "low"),
    ("jest.config.ts", "low"),
    (".eslintrc.json", "low"),
    (".gitignore", "low"),
    # code files whose names merely look like prose files
    ("src/license.ts", "standard"),
    ("src/history.ts", "standard"),
    ("src/changes.py", "standard"),
    ("CMakeLists.txt", "standard"),
    # UI charts and a DDD infrastructure layer are application code; Helm charts at the root are infra
    ("src/components/charts/LineChart.tsx", "standard"),
    ("src/Infrastructure/Persistence/UserRepository.cs", "standard"),
    ("charts/app/values.yaml", "high"),
    ("k8s/deployment.yaml", "high"),
    ("deploy/run.sh", "high"),
]


@pytest.mark.parametrize(("path", "tier"), SCOPE_TABLE)
def test_scope_table(env: Env, path: str, tier: str) -> None:
    d = env.ok("scope", path)
    assert set(d) >= {"scope", "rationale", "agents", "files"}
    assert d["scope"] == tier, d
    [f] = d["files"]
    assert f["path"] == path and f["tier"] == tier and f["rule"]


def test_scope_agents_per_tier(env: Env) -> None:
    assert env.ok("scope", "README.md")["agents"] == ["docs-writer"]
    assert env.ok("scope", "src/foo.test.ts", "README.md")["agents"] == ["testing"]
    assert env.ok("scope", "src/utils/math.ts")["agents"] == ["testing", "security", "audit", "docs-writer"]
    assert "perf" in env.ok("scope", "src/db/query.ts")["agents"]
    high = env.ok("scope", "src/auth/login.ts")["agents"]
    assert sorted(high) == sorted(["testing", "security", "audit", "docs-writer", "perf", "devops"])
    # a lock file is at least standard and always brings @security
    d = env.ok("scope", "package-lock.json", "README.md")
    assert d["scope"] == "standard" and "security" in d["agents"]
    # no files: trivial, nobody
    d = env.ok("scope")
    assert d == {**d, "scope": "trivial", "agents": [], "files": []}


def test_scope_default_is_the_working_tree_and_base(env: Env) -> None:
    r = env.repo
    (r / "src").mkdir()
    (r / "src/auth.ts").write_text("x\n")
    env.git(r, "add", "-A")
    env.git(r, "commit", "-q", "-m", "auth")
    env.git(r, "switch", "-q", "-c", "feature/x")
    (r / "notes.md").write_text("x\n")                      # untracked
    (r / "README.md").write_text("changed\n")               # unstaged
    env.git(r, "mv", "src/auth.ts", "src/plain.ts")          # staged rename: the old path counts too
    d = env.ok("scope")
    paths = {f["path"] for f in d["files"]}
    assert {"notes.md", "README.md", "src/plain.ts", "src/auth.ts"} <= paths
    assert d["scope"] == "high"
    env.git(r, "commit", "-q", "-am", "rename")
    d = env.ok("scope", "--base", "main")
    assert {f["path"] for f in d["files"]} == {"src/auth.ts", "src/plain.ts", "README.md"}
    code, doc = env.run("scope", "--base", "no-such-ref")
    assert code == 6 and doc["error"]["code"]


# ---------------------------------------------------------------------------------------------- gate

def _gate(env: Env, *extra: str, **reports: str) -> tuple[int, dict]:
    args = list(extra)
    for agent, text in reports.items():
        f = env.tmp / f"{agent}.md"
        f.write_text(text)
        args += ["--report", f"{agent.replace('_', '-')}={f}"]
    return env.run("gate", "summary", *args)


GATE_CASES = [
    ("testing bullets [FIX]", "## Tests\n- [BLOCKING] login test fails with 500\n- [SUGGESTION] more cases\n",
     "NO-GO"),
    ("bold bullets", "- **[HIGH]** SQL injection in `db.py:3`\n", "NO-GO"),
    ("numbered bullets", "1. [MEDIUM] slow loop\n", "GO-WITH-WARNINGS"),
    ("json block", '```json\n{"verdict": "PASS", "findings": [{"severity": "LOW", "title": "nit", "location": "a",'
     ' "description": "b"}]}\n```\n', "GO"),
    ("json fail verdict", '```json\n{"verdict": "FAIL", "findings": []}\n```\n', "NO-GO"),
    ("json pass with warnings", '```json\n{"verdict": "PASS WITH WARNINGS", "findings": []}\n```\n',
     "GO-WITH-WARNINGS"),
    ("headings", "### [CRITICAL] RCE\n**Location**: `a.py:1`\n**Description**: eval\n", "NO-GO"),
    ("h4 heading", "#### [WARNING] flaky\n", "GO-WITH-WARNINGS"),
    ("h2 heading", "## [HIGH] secret in logs\n", "NO-GO"),
    ("verdict line", "**Verdict**: PASS\n", "GO"),
    ("verdict colon in bold", "**Verdict:** FAIL\n", "NO-GO"),
    ("plain verdict", "Verdict: PASS WITH WARNINGS\n", "GO-WITH-WARNINGS"),
    ("praise only", "**Verdict**: PASS\n- [PRAISE] clean code\n- [INFO] note\n", "GO"),
    ("nitpick", "**Verdict**: PASS\n- [NITPICK] naming\n", "GO"),
    ("free text [FIX]", "I found a HIGH severity SQL injection and a critical auth bypass.\n", "GO-WITH-WARNINGS"),
    ("empty report", "", "GO-WITH-WARNINGS"),
    ("CRLF report", "**Verdict**: PASS\r\n- [HIGH] leak\r\n", "NO-GO"),
    ("mixed formats", "**Verdict**: PASS\n- [INFO] ok\n### [WARNING] thing\n**Location**: x.py\n"
     '```json\n{"verdict": "PASS", "findings": [{"severity": "ERROR", "title": "rce", "location": "y",'
     ' "description": "d"}]}\n```\n', "NO-GO"),
]


@pytest.mark.parametrize(("label", "text", "rec"), GATE_CASES, ids=[c[0] for c in GATE_CASES])
def test_gate_report_formats(env: Env, label: str, text: str, rec: str) -> None:
    code, doc = _gate(env, testing=text)
    assert code == 0, doc
    d = doc["data"]
    assert d["recommendation"] == rec, (label, d)
    assert set(d) >= {"recommendation", "reports", "blockers", "pr_section"}
    [r] = d["reports"]
    assert set(r) >= {"agent", "verdict", "parsed", "findings"} and r["agent"] == "testing"
    for f in r["findings"]:
        assert set(f) >= {"severity", "title", "location", "description"}
    if label in ("free text [FIX]", "empty report"):
        assert r["parsed"] is False and "unparsed" in json.dumps(d).lower()
    else:
        assert r["parsed"] is True


def test_gate_severity_mapping_and_fields(env: Env) -> None:
    text = "".join(f"- [{tag}] t{i}\n" for i, tag in enumerate(
        ["CRITICAL", "BLOCKING", "ERROR", "HIGH", "MEDIUM", "WARNING", "SUGGESTION", "LOW", "NITPICK", "INFO",
         "PRAISE"]))
    _, doc = _gate(env, audit=text)
    sev = {f["title"]: f["severity"] for f in doc["data"]["reports"][0]["findings"]}
    assert [sev[f"t{i}"] for i in range(11)] == ["critical"] * 3 + ["high"] + ["medium"] * 3 + ["low"] * 2 + \
        ["info"] * 2
    _, doc = _gate(env, security="### [HIGH] A\n\n### [LOW] B\n**Location**: `b.py:2`\n**Description**: bee\n")
    f = {x["title"]: x for x in doc["data"]["reports"][0]["findings"]}
    assert f["A"]["location"] == "" and f["A"]["description"] == ""  # [FIX] never borrowed from the next one
    assert f["B"]["location"] == "b.py:2" and f["B"]["description"] == "bee"
    assert any(b["title"] == "A" for b in doc["data"]["blockers"])


def test_gate_many_agents_stdin_and_show(env: Env) -> None:
    (env.tmp / "sec.md").write_text("**Verdict**: PASS\n")
    code, doc = env.run("gate", "summary", "--report", "testing=-", "--report", f"security={env.tmp / 'sec.md'}",
                        "--report", f"custom-agent={env.tmp / 'sec.md'}", "--scope", "low",
                        stdin="- [MEDIUM] flaky test\n")
    assert code == 0
    d = doc["data"]
    assert [r["agent"] for r in d["reports"]] == ["testing", "security", "custom-agent"]
    assert d["recommendation"] == "GO-WITH-WARNINGS" and "Quality Gate" in d["pr_section"]
    gate = json.loads((env.repo / ".cadence/gate.json").read_text())
    assert gate["recommendation"] == "GO-WITH-WARNINGS" and gate["scope"] == "low" and gate["timestamp"]
    shown = env.ok("gate", "show")
    assert shown["recommendation"] == d["recommendation"] and shown["reports"] == d["reports"]
    (env.repo / ".cadence/gate.json").write_text("{broken")
    code, doc = env.run("gate", "show")
    assert code == 3 and doc["error"]["hint"]


def test_gate_usage_errors(env: Env) -> None:
    assert env.run("gate", "summary")[0] == 1
    assert env.run("gate", "summary", "--report", "testing")[0] == 1
    assert env.run("gate", "summary", "--report", f"../x={env.tmp / 'nope.md'}")[0] == 1
    assert env.run("gate", "summary", "--report", f"testing={env.tmp / 'nope.md'}")[0] == 1
    code, doc = env.run("gate", "show")
    assert code == 2


# ---------------------------------------------------------------------------------------------- plans

CRLF_PLAN = (
    "---\n"
    "title: \"Add \\\"login\\\": v2\"\n"
    "type: feature\n"
    "status: approved\n"
    "issues:\n"
    "  - 12\n"
    "  - 13\n"
    "---\n"
    "# Plan: Add login\n\n"
    "## Summary\n\nUsers can log in.\n\n"
    "## Tasks\n\n"
    "- [ ] Task 1: Implement user model\n"
    "  - AC: schema has name and email\n"
    "  * ac: email is validated\n"
    "- [x] Task 2: already done\n"
    "* [ ] Task 3: Add endpoint\n"
    "    - AC: POST /login returns 200\n\n"
    "## Task Dependencies\n\n- [ ] not a task\n\n"
    "## Key Decisions\n\n- Sessions in cookies\n\n"
    "## Decision Log\n\n- ignored\n"
).replace("\n", "\r\n")


def _plan_file(env: Env, name: str = "2026-01-01-feature-add-login.md", text: str = CRLF_PLAN) -> str:
    d = env.repo / ".cadence/plans"
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(text.encode())
    return name


def test_plan_crlf_parsing_without_init(env: Env) -> None:  # [FIX] CRLF lost frontmatter and tasks
    name = _plan_file(env)
    d = env.ok("plan", "show", name)
    assert d["file"] == name
    assert d["frontmatter"]["title"] == 'Add "login": v2' and d["frontmatter"]["issues"] == [12, 13]
    assert d["tasks"] == [
        {"description": "Implement user model", "acceptance": ["schema has name and email", "email is validated"]},
        {"description": "Add endpoint", "acceptance": ["POST /login returns 200"]}]
    [row] = env.ok("plan", "list")["plans"]
    assert row["file"] == name and row["tasks"] == 2 and row["status"] == "approved"


def test_plan_save_shapes_and_edge_cases(env: Env) -> None:
    content = "---\ntitle: From content\nissues: [3]\n---\n## Tasks\n- [ ] **Task 1:** Bold one\n" \
              "  - **AC:** bold ac\n- [ ] **Task 2: Wholly bold**\n"
    d = env.ok("plan", "save", "--title", 'Fix "quoted": thing', "--type", "bugfix", "--issue", "7", stdin=content)
    assert set(d) >= {"file", "title", "tasks"} and d["tasks"] == 2 and d["title"] == 'Fix "quoted": thing'
    assert d["file"].endswith("-bugfix-fix-quoted-thing.md")
    shown = env.ok("plan", "show", d["file"])
    assert shown["frontmatter"]["issues"] == [3, 7] and shown["frontmatter"]["type"] == "bugfix"
    assert shown["tasks"] == [{"description": "Bold one", "acceptance": ["bold ac"]},
                              {"description": "Wholly bold", "acceptance": []}]
    again = env.ok("plan", "save", "--title", 'Fix "quoted": thing', "--type", "bugfix", stdin="x")
    assert again["file"].endswith("-bugfix-fix-quoted-thing-2.md")  # [FIX] never overwritten
    long = env.ok("plan", "save", "--title", "x" * 80, "--type", "feature", stdin="x")["file"]
    assert len(long.split("-feature-", 1)[1][:-3]) <= 50
    # whole-document tasks when there is no Tasks section; the first Tasks heading wins
    d = env.ok("plan", "save", "--title", "strissues", "--type", "spike", stdin="---\nissues: \"12, #13\"\n---\nx\n")
    assert env.ok("plan", "show", d["file"])["frontmatter"]["issues"] == [12, 13]
    d = env.ok("plan", "save", "--title", "nosection", "--type", "spike", stdin="## Summary\n- [ ] Task 1: a\n")
    assert d["tasks"] == 1
    d = env.ok("plan", "save", "--title", "dup", "--type", "spike", stdin="## Tasks\n- [ ] one\n## Tasks\n- [ ] two\n")
    assert [t["description"] for t in env.ok("plan", "show", d["file"])["tasks"]] == ["one"]


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/b", "$(touch pwned)", ";rm -rf", "x\ny", "..", "."])
def test_plan_hostile_names(env: Env, name: str) -> None:
    for args in (("plan", "show", name), ("plan", "delete", name), ("plan", "commit", name),
                 ("loop", "start", name)):
        code, doc = env.run(*args)
        assert code == 1, (args, doc)
    assert not (env.repo / "pwned").exists() and not (env.tmp / "x").exists()


def test_plan_commit_on_protected_branch_creates_branch(env: Env) -> None:
    d = env.ok("plan", "save", "--title", "Speed up search", "--type", "refactor", stdin="## Tasks\n- [ ] a\n")
    (env.repo / "other.txt").write_text("x\n")
    env.git(env.repo, "add", "other.txt")
    c = env.ok("plan", "commit", d["file"])
    assert c["branch"] == "refactor/speed-up-search"
    assert env.git(env.repo, "branch", "--show-current").strip() == "refactor/speed-up-search"
    assert env.git(env.repo, "show", "--name-only", "--format=", "HEAD").split() == [f".cadence/plans/{d['file']}"]
    assert "A  other.txt" in env.git(env.repo, "status", "--short")
    assert "branch: refactor/speed-up-search" in (env.repo / ".cadence/plans" / d["file"]).read_text()
    again = env.run("plan", "commit", d["file"])
    assert again[0] == 0  # "already committed" is not an error


# ----------------------------------------------------------------------------------------------- loop

def _script(env: Env, name: str, out: str, code: int = 0) -> str:
    (env.tmp / name).write_text(f"printf '%s\\n' '{out}'\nexit {code}\n")
    return f"sh {env.tmp / name}"


def test_loop_evidence_rules_on_a_crlf_plan(env: Env) -> None:
    name = _plan_file(env)
    green = _script(env, "green.sh", "===== 5 passed in 0.1s =====")
    red = _script(env, "red.sh", "===== 1 failed, 4 passed in 0.1s =====", 1)
    lying = _script(env, "lying.sh", "Tests:  1 failed, 4 passed, 5 total", 0)
    d = env.ok("loop", "start", name, "--test", green)
    assert d["plan"] == name and d["current"]["description"] == "Implement user model"
    assert d["progress"] == {"total": 2, "passed": 0, "failed": 0, "skipped": 0, "pending": 2}
    assert d["current"]["acceptance"] == ["schema has name and email", "email is validated"]
    state = json.loads((env.repo / ".cadence/loop.json").read_text())
    assert state["version"] == 1 and state["verify"] == "strict" and state["commands"]["test"] == green
    # strict: no evidence → refused
    code, doc = env.run("loop", "report", "pass", "--detail", "done")
    assert code == 2
    # red evidence → refused
    d = env.ok("loop", "verify")
    assert d["evidence"] and d["evidence"][0]["exit_code"] == 0
    state["commands"]["test"] = red
    (env.repo / ".cadence/loop.json").write_text(json.dumps(state))
    code, doc = env.run("loop", "start", name)
    assert code == 3  # an unfinished loop is never clobbered [FIX]
    code, doc = env.run("loop", "verify")  # red: exit 2 (VERIFY_RED), the evidence still in the data
    assert code == 2 and doc["error"]["code"] == "VERIFY_RED" and doc["data"]["green"] is False
    d = doc["data"]
    ev = d["evidence"][-1]
    assert ev["exit_code"] == 1 and ev["counts"] == {"passed": 4, "failed": 1, "skipped": 0}
    assert set(ev) >= {"at", "kind", "command", "exit_code", "duration_s", "counts", "tail"} and "failed" in ev["tail"]
    assert env.run("loop", "report", "pass", "--detail", "done")[0] == 2
    # exit 0 with a failure count is not green
    s = json.loads((env.repo / ".cadence/loop.json").read_text())
    s["commands"]["test"] = lying
    (env.repo / ".cadence/loop.json").write_text(json.dumps(s))
    assert env.run("loop", "verify")[0] == 2
    assert env.run("loop", "report", "pass", "--detail", "done")[0] == 2
    s = json.loads((env.repo / ".cadence/loop.json").read_text())
    s["commands"]["test"] = green
    (env.repo / ".cadence/loop.json").write_text(json.dumps(s))
    env.ok("loop", "verify")
    d = env.ok("loop", "report", "pass", "--detail", "done")
    assert d["progress"]["passed"] == 1 and d["current"]["description"] == "Add endpoint"
    # the previous task's green run does not count for the next task (evidence must be newer than its start)
    assert env.run("loop", "report", "pass", "--detail", "done")[0] == 2
    d = env.ok("loop", "summary")
    assert "markdown" in d and "Implement user model" in d["markdown"] and "Add endpoint" in d["markdown"]


def test_loop_retries_stop_for_a_decision(env: Env) -> None:  # [FIX] no auto-advance
    name = _plan_file(env)
    env.ok("loop", "start", name, "--test", "true", "--max-retries", "2")
    env.ok("loop", "report", "fail", "--detail", "e1")
    d = env.ok("loop", "report", "fail", "--detail", "e2")
    assert d["current"]["status"] == "failed" and d["current"]["index"] == 0
    assert d["progress"]["failed"] == 1 and d["progress"]["pending"] == 1
    d = env.ok("loop", "status")
    assert d["current"]["index"] == 0 and d["current"]["status"] == "failed"  # status does not advance either
    for args in (("loop", "report", "pass", "--detail", "x"), ("loop", "report", "fail", "--detail", "x")):
        code, doc = env.run(*args)
        assert code == 4 and doc["error"]["hint"]
    assert env.run("loop", "report", "skip")[0] == 1  # a skip needs a reason
    d = env.ok("loop", "retry")
    assert d["current"]["status"] == "in_progress" and d["current"]["retries"] == 0
    env.ok("loop", "report", "fail", "--detail", "e3")
    env.ok("loop", "report", "fail", "--detail", "e4")
    d = env.ok("loop", "report", "skip", "--detail", "out of scope")
    assert d["progress"]["skipped"] == 1 and d["current"]["index"] == 1
    d = env.ok("loop", "abort")
    assert d["current"] is None
    assert env.ok("loop", "resume")["plan"] == name


def test_loop_warn_and_off_modes_and_gate_folding(env: Env) -> None:
    code, _ = env.run("init", "--no-input")
    assert code == 0
    cfg = env.repo / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("verify: strict", "verify: warn"))
    name = _plan_file(env)
    env.ok("loop", "start", name, "--test", "false")
    code, doc = env.run("loop", "report", "pass", "--detail", "no evidence")
    assert code == 0 and any("unverified" in w for w in doc["warnings"])
    task = doc["data"]["tasks"][0]
    assert task["status"] == "passed" and task.get("unverified") is True
    _, g = _gate(env, testing="**Verdict**: PASS\n")
    assert g["data"]["recommendation"] == "GO-WITH-WARNINGS"  # unverified task
    assert env.run("loop", "verify")[0] == 2  # red
    env.ok("loop", "report", "fail", "--detail", "a")
    env.ok("loop", "report", "fail", "--detail", "b")
    env.ok("loop", "report", "fail", "--detail", "c")
    _, g = _gate(env, testing="**Verdict**: PASS\n")
    assert g["data"]["recommendation"] == "NO-GO"  # a failed task
    md = env.ok("loop", "summary")["markdown"]
    assert "unverified" in md.lower() and "Failed" in md and "c" in md
    cfg.write_text(cfg.read_text().replace("verify: warn", "verify: off"))
    env.ok("loop", "start", name, "--test", "false", "--force")
    d = env.ok("loop", "report", "pass", "--detail", "trust me")
    assert d["progress"]["passed"] == 1


def test_loop_corrupt_state_is_an_error(env: Env) -> None:  # [FIX] never "no loop"
    (env.repo / ".cadence").mkdir()
    (env.repo / ".cadence/loop.json").write_text("{not json")
    for args in (("loop", "status"), ("loop", "verify"), ("loop", "start", _plan_file(env))):
        code, doc = env.run(*args)
        assert code == 3 and doc["error"]["hint"], (args, doc)
    (env.repo / ".cadence/loop.json").unlink()
    code, doc = env.run("loop", "status")
    assert code == 2


# --------------------------------------------------------------------------------------------- finish

def _feature_work(env: Env, branch: str = "feature/add-login") -> None:
    r = env.repo
    env.git(r, "switch", "-q", "-c", branch)
    (r / "src").mkdir()
    (r / "src/app.py").write_text("print('hi')\n")
    (r / "README.md").write_text("# changed\n")
    (r / ".gitignore").write_text("*.log\n")
    (r / "build.log").write_text("ignored\n")
    for secret in (".env", ".env.local", "server.pem", "id_rsa", "credentials.json", "src/config.key",
                   "src/.env.production", "cert.p12"):
        (r / secret).write_text("secret\n")
    (r / ".env.example").write_text("KEY=\n")
    (r / "id_rsa.pub").write_text("ssh-rsa AAAA\n")
    (r / "src/secrets.py").write_text("def load(): ...\n")  # a source module, not a secret
    (r / "config").mkdir()
    (r / "config/credentials.yml").write_text("token: x\n")
    (r / "src/ünï côde.py").write_text("x = 1\n")


def test_finish_into_a_bare_origin_with_a_fake_gh(env: Env) -> None:
    _feature_work(env)
    r = env.repo
    _plan_file(env, text=CRLF_PLAN.replace("status: approved\r\n", "status: approved\r\nbranch: feature/add-login\r\n"))
    _plan_file(env, "2026-06-01-feature-unrelated-newest.md",
               "---\ntitle: Unrelated\ntype: feature\nissues: [99]\n---\n## Summary\n\nUNRELATED PLAN\n")
    env.ok("loop", "start", "2026-01-01-feature-add-login.md", "--test", "true")
    _gate(env, "--scope", "low", testing="**Verdict**: PASS\n- [LOW] tiny\n")  # the one reviewer low requires
    env.git(r, "add", ".env")  # a secret the user staged by mistake is unstaged again
    (r / ".worktrees/wt").mkdir(parents=True)
    env.git(r / ".worktrees/wt", "init", "-q")
    (r / ".worktrees/wt/f").write_text("x")
    d = env.ok("finish", "--message", "feat: login", "--issue", "42", "--draft")
    assert set(d) >= {"branch", "base", "commit", "pushed", "staged", "left_out", "pr"}
    assert d["branch"] == "feature/add-login" and d["base"] == "main" and d["pushed"] is True
    assert set(d["pr"]) >= {"url", "action", "command"} and d["pr"]["action"] == "created"
    assert {"src/app.py", "README.md", ".gitignore", ".env.example", "id_rsa.pub", "src/secrets.py",
            "src/ünï côde.py", ".cadence/plans/2026-01-01-feature-add-login.md"} <= set(d["staged"])
    secrets = {".env", ".env.local", "server.pem", "id_rsa", "credentials.json", "src/config.key",
               "src/.env.production", "cert.p12", "config/credentials.yml"}
    assert secrets <= set(d["left_out"])
    assert not set(d["staged"]) & (secrets | {"build.log", ".cadence/loop.json", ".cadence/gate.json"})
    # runtime state is listed as left out (ignored through info/exclude or not) and never committed
    assert {".cadence/loop.json", ".cadence/gate.json"} <= set(d["left_out"])
    assert ".worktrees/" in d["left_out"] or ".worktrees/wt/" in d["left_out"]
    assert not any(p.startswith(".worktrees") for p in d["staged"])
    # what reached origin
    pushed = set(env.git(env.origin, "ls-tree", "-r", "--name-only", "-z", "feature/add-login").split("\0"))
    assert "src/app.py" in pushed and ".env.example" in pushed
    assert not pushed & (secrets | {"build.log", ".cadence/loop.json", ".cadence/gate.json"})
    assert not any(p.startswith(".worktrees") for p in pushed)
    assert env.git(env.origin, "rev-parse", "feature/add-login").strip() == d["commit"]
    # gh calls and the body
    calls = env.gh_calls()
    create = next(c for c in calls if c[:2] == ["pr", "create"])
    assert create[create.index("--base") + 1] == "main" and "--draft" in create
    assert create[create.index("--title") + 1] == "feat: login"
    body = env.body()
    assert "Users can log in." in body and "Implement user model" in body and "Sessions in cookies" in body
    assert "Decision Log" not in body and "not a task" not in body
    assert "UNRELATED PLAN" not in body and "#99" not in body  # [FIX] never a guessed plan
    for n in (12, 13, 42):
        assert f"Closes #{n}" in body
    assert "Quality Gate" in body and "Implementation Loop" in body
    assert "\r" not in body
    status = env.git(r, "status", "--porcelain")
    assert ".env" in status and "src/app.py" not in status


def test_finish_reports_the_created_pr_url(env: Env) -> None:
    _feature_work(env)
    env.gh_respond({"pr create": {"stdout": "https://github.com/o/r/pull/8\n"}})
    d = env.ok("finish", "--message", "feat: x")
    assert d["pr"] == {**d["pr"], "action": "created", "url": "https://github.com/o/r/pull/8"}


def test_finish_updates_an_open_pr_and_ignores_closed_ones(env: Env) -> None:  # [FIX]
    _feature_work(env)
    env.gh_respond({"pr list": {"stdout": [{"number": 7, "url": "https://github.com/o/r/pull/7", "state": "OPEN"}]}})
    d = env.ok("finish", "--message", "feat: x", "--title", "New title")
    assert d["pr"]["action"] == "updated" and d["pr"]["url"] == "https://github.com/o/r/pull/7"
    edit = next(c for c in env.gh_calls() if c[:2] == ["pr", "edit"])
    assert edit[2] == "7" and "--body-file" in edit and edit[edit.index("--title") + 1] == "New title"
    assert not any(c[:2] == ["pr", "create"] for c in env.gh_calls())
    list_call = next(c for c in env.gh_calls() if c[:2] == ["pr", "list"])
    assert "--state" in list_call and list_call[list_call.index("--state") + 1] == "open"


def test_finish_without_gh_prints_the_command(tmp_path: Path) -> None:
    env = Env(tmp_path, with_gh=False)
    _feature_work(env)
    d = env.ok("finish", "--message", "feat: x")
    assert d["pushed"] is True and d["pr"]["action"] == "none" and d["pr"]["url"] is None
    assert d["pr"]["command"].startswith("gh pr create") and "--base main" in d["pr"]["command"]
    assert "feature/add-login" in env.git(env.origin, "branch")


def test_finish_unauthenticated_gh(env: Env) -> None:
    _feature_work(env)
    env.gh_respond({"auth status": {"exit": 1, "stderr": "You are not logged into any GitHub hosts"}})
    d = env.ok("finish", "--message", "feat: x")
    assert d["pushed"] and d["pr"]["action"] == "none" and "gh pr create" in d["pr"]["command"]
    assert not any(c[:2] == ["pr", "create"] for c in env.gh_calls())


def test_finish_base_is_origins_default_branch(tmp_path: Path) -> None:
    env = Env(tmp_path, default_branch="trunk")
    _feature_work(env)
    d = env.ok("finish", "--message", "feat: x", "--no-push")
    assert d["base"] == "trunk" and d["pushed"] is False and d["pr"]["action"] == "none"
    assert "--base trunk" in d["pr"]["command"]
    assert env.ok("finish", "--message", "x", "--base", "release", "--no-push")["base"] == "release"


def test_finish_refusals(env: Env) -> None:
    code, doc = env.run("finish", "--message", "x")
    assert code == 2 and doc["error"]["code"]  # protected branch
    _feature_work(env)
    _gate(env, security="- [CRITICAL] rce\n")
    code, doc = env.run("finish", "--message", "x")
    assert code == 2  # NO-GO
    assert "feature/add-login" not in env.git(env.origin, "branch")
    d = env.ok("finish", "--message", "x", "--force")
    assert d["pushed"] is True
    env.git(env.repo, "checkout", "-q", "--detach")
    assert env.run("finish", "--message", "x")[0] == 2


def test_finish_push_failure_is_exit_6(env: Env) -> None:
    _feature_work(env)
    env.git(env.repo, "remote", "set-url", "origin", str(env.tmp / "missing.git"))
    code, doc = env.run("finish", "--message", "x")
    assert code == 6 and "git push" in doc["error"]["hint"]
    assert "hint:" not in doc["error"]["message"]


# ---------------------------------------------------------------------------------- branches, worktrees

def test_branch_status_keeps_changes_apart(env: Env) -> None:  # [FIX]
    r = env.repo
    (r / "README.md").write_text("unstaged\n")
    (r / "staged.txt").write_text("s\n")
    env.git(r, "add", "staged.txt")
    (r / "new.txt").write_text("n\n")
    d = env.ok("branch", "status")
    assert d["branch"] == "main" and d["protected"] is True
    assert d["staged"] == ["staged.txt"] and d["unstaged"] == ["README.md"] and d["untracked"] == ["new.txt"]
    assert env.ok("branch", "create", "feature", "My Thing")["branch"] == "feature/my-thing"
    code, doc = env.run("branch", "switch", "main")
    assert code == 2
    assert env.ok("branch", "switch", "main", "--stash")["branch"] == "main"
    assert env.run("branch", "create", "feature", "$(touch pwned)")[0] == 1


def test_worktree_rules(env: Env) -> None:
    r = env.repo
    (r / ".gitignore").write_text(".env\n")
    (r / ".env").write_text("SECRET=1\n")
    (r / ".worktreeinclude").write_text(".env\n")
    env.git(r, "add", "-A")
    env.git(r, "commit", "-q", "-m", "ignore")
    d = env.ok("worktree", "create", "wt1")
    wt = Path(d["path"])
    assert wt == r / ".worktrees/wt1" and d["branch"] == "feature/wt1"
    assert (wt / ".env").read_text() == "SECRET=1\n"
    assert ".worktrees" not in env.git(r, "status", "--porcelain")  # runtime, kept out of git status
    assert any(w.get("name") == "wt1" for w in env.ok("worktree", "list")["worktrees"])
    (wt / "dirty.txt").write_text("x")
    assert env.run("worktree", "remove", "wt1")[0] == 2  # dirty [FIX]
    (wt / "dirty.txt").unlink()
    (wt / "c.py").write_text("c\n")
    env.git(wt, "add", "c.py")
    env.git(wt, "commit", "-q", "-m", "c")
    assert env.run("worktree", "remove", "wt1", cwd=wt)[0] == 2  # unmerged, from inside the worktree
    d = env.ok("worktree", "remove", "wt1", "--force", "--delete-branch", cwd=wt)
    assert d["removed"] is True and not wt.exists()
    assert "feature/wt1" not in env.git(r, "branch")
    for bad in ("../evil", "a;rm", "/abs"):
        assert env.run("worktree", "create", bad)[0] == 1
    assert not (env.tmp / "evil").exists()


# ------------------------------------------------------------------------------------------ more edges

def test_scope_absolute_paths_are_repository_relative(tmp_path: Path) -> None:
    world = tmp_path / "tests" / "latest"  # directories above the repository never decide a tier
    world.mkdir(parents=True)
    env = Env(world)
    d = env.ok("scope", str(env.repo / "src/utils.ts"), "./src/db.ts")
    assert [(f["path"], f["tier"]) for f in d["files"]] == [("src/utils.ts", "standard"), ("src/db.ts", "standard")]


def test_gate_folds_a_red_last_verify(env: Env) -> None:
    name = _plan_file(env)
    env.ok("loop", "start", name, "--test", "false")
    assert env.run("loop", "verify")[0] == 2
    _, g = _gate(env, testing="**Verdict**: PASS\n")
    assert g["data"]["recommendation"] == "GO-WITH-WARNINGS"
    assert env.run("plan", "delete", name)[0] == 2  # used by the active loop
    assert env.ok("plan", "delete", name, "--force")


def test_finish_leaves_out_the_loop_of_another_branchs_plan(tmp_path: Path) -> None:
    env = Env(tmp_path, with_gh=False)
    _plan_file(env, text=CRLF_PLAN.replace("status: approved\r\n", "status: approved\r\nbranch: feature/other\r\n"))
    env.ok("loop", "start", "2026-01-01-feature-add-login.md", "--test", "true")
    _feature_work(env)
    d = env.ok("finish", "--message", "feat: x", "--no-push")
    body = Path(d["body_file"]).read_text() if "body_file" in d else ""
    assert d["pr"]["action"] == "none"
    assert "Implement user model" not in body and "Closes #12" not in body


def test_github_issue_limit_is_clamped_with_a_warning(env: Env) -> None:
    env.git(env.repo, "remote", "set-url", "origin", "https://github.com/acme/my.repo.git")
    env.gh_respond({"issue list": {"stdout": []}})
    code, doc = env.run("github", "issues", "--limit", "500")
    assert code == 0 and doc["data"]["limit"] == 100 and any("clamped" in w for w in doc["warnings"])
    call = next(c for c in env.gh_calls() if c[:2] == ["issue", "list"])
    assert call[call.index("--limit") + 1] == "100" and "acme/my.repo" in " ".join(call)


def test_runtime_state_stays_out_of_git_status_without_init(env: Env) -> None:
    name = env.ok("plan", "save", "--title", "t", "--type", "feature", stdin="## Tasks\n- [ ] a\n")["file"]
    env.ok("loop", "start", name, "--test", "true")
    env.ok("loop", "verify")
    _gate(env, testing="**Verdict**: PASS\n")
    env.ok("session", "save", "--summary", "s")
    status = env.git(env.repo, "status", "--porcelain", "-uall").split("\n")
    assert [s for s in status if s] == [f"?? .cadence/plans/{name}"]
    assert "info/exclude" not in env.git(env.repo, "status", "--porcelain", "-uall")
    assert not (env.repo / ".gitignore").exists()  # nothing committed-looking was written


RUNNER_OUTPUTS = [
    ("pytest", "FAILED tests/test_a.py::test_x - assert 1 == 2\n=== 1 failed, 3 passed, 2 skipped in 0.12s ===", 1,
     {"passed": 3, "failed": 1, "skipped": 2}),
    ("vitest", " Test Files  1 failed | 1 passed (2)\n      Tests  2 failed | 8 passed | 1 skipped (11)", 1,
     {"passed": 8, "failed": 2, "skipped": 1}),
    ("jest", "Tests:       1 failed, 2 skipped, 5 passed, 8 total", 1, {"passed": 5, "failed": 1, "skipped": 2}),
    ("go test -v", "=== RUN   TestA\n--- PASS: TestA (0.00s)\n--- FAIL: TestB (0.00s)\n--- SKIP: TestC (0.00s)\nFAIL",
     1, {"passed": 1, "failed": 1, "skipped": 1}),
    ("cargo test", "test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out\n"
     "test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out", 0,
     {"passed": 5, "failed": 0, "skipped": 1}),
    ("generic", "Done: 4 passed, 1 failed", 1, {"passed": 4, "failed": 1, "skipped": 0}),
    ("rspec", "10 examples, 2 failures, 1 pending", 1, {"passed": 7, "failed": 2, "skipped": 1}),
    ("unittest", "Ran 5 tests in 0.001s\n\nFAILED (failures=1, skipped=1)", 1,
     {"passed": 3, "failed": 1, "skipped": 1}),
]


@pytest.mark.parametrize(("runner", "output", "code", "counts"), RUNNER_OUTPUTS, ids=[r[0] for r in RUNNER_OUTPUTS])
def test_loop_verify_parses_runner_counts(env: Env, runner: str, output: str, code: int, counts: dict) -> None:
    (env.tmp / "out.txt").write_text(output + "\n")
    name = _plan_file(env)
    env.ok("loop", "start", name, "--test", f"sh -c 'cat {env.tmp / 'out.txt'}; exit {code}'")
    exit_code, doc = env.run("loop", "verify")
    [ev] = doc["data"]["evidence"]
    assert exit_code == (0 if code == 0 and counts["failed"] == 0 else 2)
    assert ev["kind"] == "test" and ev["exit_code"] == code and ev["counts"] == counts, ev
    assert (env.run("loop", "report", "pass", "--detail", "x")[0] == 0) is (code == 0 and counts["failed"] == 0)
