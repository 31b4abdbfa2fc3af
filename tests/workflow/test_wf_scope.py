"""Change scope on path tokens: the reference table, its false positives / negatives fixed, config globs."""

from __future__ import annotations

import pytest

from cadence.core.scope import change_scope, tokens

ALL6 = ["testing", "security", "audit", "docs-writer", "perf", "devops"]
STD = ["testing", "security", "audit", "docs-writer"]


@pytest.mark.parametrize("files,scope,agents", [
    (["README.md"], "trivial", ["docs-writer"]),
    (["docs/guide.md", "LICENSE"], "trivial", ["docs-writer"]),
    ([".editorconfig", ".vscode/settings.json", ".prettierrc"], "trivial", ["docs-writer"]),
    ([".cadence/config.yml", ".cadence/state.json"], "trivial", ["docs-writer"]),
    (["src/foo.test.ts", "README.md"], "low", ["testing"]),
    (["tsconfig.json", ".gitignore"], "low", ["testing"]),
    (["src/auth/auth.test.ts"], "low", ["testing"]),
    (["tests/test_api.py", "pkg/x_test.go", "src/FooTest.java", "__tests__/a.js"], "low", ["testing"]),
    (["src/utils/math.ts"], "standard", STD),
    (["src/components/Button.tsx"], "standard", STD + ["perf"]),
    (["src/db/query.ts"], "standard", STD + ["perf"]),  # [FIX] 4.0.3 missed query.ts
    (["package.json"], "standard", STD),
    (["src/auth/login.ts"], "high", ALL6),
    (["src/authentication.ts"], "high", ALL6),  # [FIX] 4.0.3 missed authentication
    (["src/userAuthService.ts"], "high", ALL6),
    (["Dockerfile"], "high", ALL6),
    ([".github/workflows/ci.yml"], "high", ALL6),
    (["migrations/001.sql"], "high", ALL6),  # [FIX] migrations are high, as documented
    (["alembic/versions/abc.py"], "high", ALL6),
    (["infra/main.tf"], "high", ALL6),
])
def test_scope_table(files: list[str], scope: str, agents: list[str]) -> None:
    r = change_scope(files)
    assert r["scope"] == scope, r
    assert r["agents"] == agents
    assert [f["path"] for f in r["files"]] == files
    assert all(f["rule"] for f in r["files"])


def test_reference_false_positives_fixed() -> None:  # [FIX] bare substrings
    assert change_scope(["src/tokenizer.ts"])["scope"] == "standard"  # not a token file
    assert change_scope(["src/latest/util.ts"])["scope"] == "standard"  # not a test directory
    assert change_scope(["src/index.ts"])["agents"] == STD  # 'index' is not a perf file
    assert change_scope(["src/contest/x.ts"])["scope"] == "standard"
    assert change_scope(["src/authoring.ts"])["scope"] == "standard"


def test_standard_and_high_launch_different_agents() -> None:  # [FIX] same agent set in code
    assert change_scope(["src/a.ts"])["agents"] != change_scope(["src/auth.ts"])["agents"]
    assert change_scope(["src/auth.ts"])["agents"] == ALL6


def test_manifest_adds_security_and_is_at_least_standard() -> None:
    r = change_scope(["requirements.txt"])
    assert r["scope"] == "standard" and "security" in r["agents"]
    assert r["files"][0]["tier"] == "standard"
    assert "manifest" in r["files"][0]["rule"]
    assert change_scope(["yarn.lock", "README.md"])["scope"] == "standard"


def test_per_file_tier_and_rule() -> None:
    r = change_scope(["README.md", "src/auth/session.py", "tests/test_x.py", "src/app.py"])
    tiers = {f["path"]: (f["tier"], f["rule"]) for f in r["files"]}
    assert tiers["README.md"][0] == "trivial"
    assert tiers["src/auth/session.py"] == ("high", "security-token: auth")
    assert tiers["tests/test_x.py"][0] == "low"
    assert tiers["src/app.py"] == ("standard", "default")
    assert r["scope"] == "high"


def test_devops_only_for_infra_in_standard() -> None:
    assert "devops" not in change_scope(["src/app.py"])["agents"]


def test_config_globs_extend_rules() -> None:
    r = change_scope(["src/core/engine.py", "generated/x.py"], {"high": ["src/core/**"], "trivial": ["generated/"]})
    assert r["scope"] == "high"
    assert r["files"][0]["rule"] == "config high: src/core/**"
    assert r["files"][1]["tier"] == "trivial"


def test_no_files() -> None:
    assert change_scope([]) == {"scope": "trivial", "rationale": "no changed files", "agents": [], "files": []}


def test_tokens() -> None:
    assert "auth" in tokens("src/OAuthClient.ts")
    assert tokens("a/b_c-d.e") == ("a", "b", "c", "d", "e")
    assert "tokenizer" in tokens("src/tokenizer.ts") and "token" not in tokens("src/tokenizer.ts")
