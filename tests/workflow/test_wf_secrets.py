"""Secrets never leave: the pure detector (names and credential formats) and `finish` leaving them out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wfhelpers import cadence_json, git

from cadence.core.secrets import SCAN_LIMIT, looks_binary, name_rule, scan_text
from cadence.workflow import finish as fin

# Built at run time so this file does not itself look like it holds credentials.
AKIA = "AKIA" + "IOSFODNN7EXAMPLE"
SAMPLES = {
    "aws-access-key-id": f"KEY='{AKIA}'",
    "aws-secret-access-key": "aws_secret_access_key = \"" + "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY\"",
    "github-token": "GH=" + "ghp_" + "a1B2" * 9,
    "gitlab-token": "token = '" + "glpat-" + "x1y2z3" * 4 + "'",
    "slack-token": "SLACK=" + "xoxb-" + "123456789012-1234567890123-" + "AbCdEfGhIjKlMnOpQrStUvWx",
    "slack-webhook": "url: https://hooks.slack.com/services/" + "T0123ABCD/B0123ABCD/" + "a1b2c3d4e5f6g7h8i9j0",
    "stripe-live-key": "stripe.api_key = '" + "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc'",
    "google-api-key": "const key = \"" + "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q\"",
    "openai-key": "OPENAI_API_KEY=" + "sk-proj-" + "Ab1" * 20,
    "anthropic-key": "ANTHROPIC_API_KEY=" + "sk-ant-api03-" + "Zz9_" * 20,
    "sendgrid-key": "SG." + "a" * 22 + "." + "b" * 43,
    "private-key": "-----BEGIN RSA " + "PRIVATE KEY-----",
    "npm-token": "//registry.npmjs.org/:_authToken=" + "npm_" + "q" * 36,
    "pypi-token": "password = " + "pypi-AgEIcHlwaS5vcmc" + "x" * 60,
    "azure-storage-key": "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=" + "Ab3/" * 21 + "xy==",
    "digitalocean-token": "token = " + "dop_v1_" + "0a1b2c3d" * 8,
    "shopify-token": "X-Shopify-Access-Token: " + "shpat_" + "0123456789abcdef" * 2,
    "huggingface-token": "HF_TOKEN=" + "hf_" + "AbCdEfGhIj" * 3 + "KlMn",
    "age-secret-key": "AGE-SECRET-KEY-1" + "QZ7" * 19 + "Q",
    "bearer-jwt": "    token: " + "eyJhbGciOiJSUzI1NiJ9." + "eyJzdWIiOiJzeXN0ZW0ifQ." + "c2lnbmF0dXJlLXZhbHVl",
    "kubeconfig-key": "    client-key-data: " + "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo" * 2,
}

ORDINARY = """\
import os
from auth.tokens import TokenStore, refresh_token


def login(user: str, password: str) -> str:
    \"\"\"Check the password and return a session token.\"\"\"
    secret = os.environ["APP_SECRET"]
    token = os.environ.get("GITHUB_TOKEN", "")
    api_key = settings.API_KEY
    password_hash = hash_password(password, secret)
    headers = {"Authorization": f"Bearer {token}"}
    aws_secret_access_key = os.environ["AWS_SECRET_ACCESS_KEY"]
    return tokenizer.tokenize(password_hash) + TokenStore(token).value
# npm: //registry.npmjs.org/:_authToken=${NPM_TOKEN}
# -----BEGIN PUBLIC KEY----- is public
# see https://docs.github.com/en/authentication for ghp_ tokens
"""


@pytest.mark.parametrize(("rule", "line"), sorted(SAMPLES.items()))
def test_each_format_is_found_with_its_line(rule: str, line: str) -> None:
    found = scan_text("first line\n\n" + line + "\nlast")
    assert [(f.rule, f.line) for f in found] == [(rule, 3)]


def test_ordinary_code_with_security_words_is_not_flagged() -> None:
    assert scan_text(ORDINARY) == []


_WORDS = st.sampled_from(["token", "secret", "password", "key", "api_key", "auth", "Bearer", "aws", "credential",
                          "=", ":", "'", '"', "os.environ", "{", "}", "(", ")", "ghp", "sk", "live", "AIza", "xox",
                          "BEGIN", "PRIVATE", "KEY", "npm", "_authToken", "${NPM_TOKEN}", "eyJ", "glpat", "-", "_"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(_WORDS, st.from_regex(r"[a-z_]{1,12}", fullmatch=True)), max_size=12),
                max_size=20))
def test_code_made_of_security_words_is_not_flagged(lines: list[list[str]]) -> None:
    """Words that merely talk about secrets (short identifiers, no credential-shaped value) never alarm."""
    assert scan_text("\n".join(" ".join(words) for words in lines)) == []


@settings(max_examples=200, deadline=None)
@given(rule=st.sampled_from(sorted(SAMPLES)), before=st.lists(st.text(st.characters(blacklist_categories=("Cs",)),
                                                                        max_size=40), max_size=10),
       after=st.lists(st.text(max_size=40), max_size=5))
def test_a_secret_is_found_wherever_it_sits(rule: str, before: list[str], after: list[str]) -> None:
    """Any surrounding text, any line: the secret's line is reported, and never the secret itself."""
    before = [b.replace("\r", " ").replace("\n", " ").replace("\x0b", " ").replace("\x0c", " ")
              .replace("\x1c", " ").replace("\x1d", " ").replace("\x1e", " ").replace("\x85", " ")
              .replace("\u2028", " ").replace("\u2029", " ") for b in before]
    text = "\n".join([*before, SAMPLES[rule], *after])
    found = scan_text(text)
    hits = [f for f in found if f.line == len(before) + 1]
    assert rule in {f.rule for f in hits}
    assert all(SAMPLES[rule] not in repr(f) for f in found)


def test_lines_the_last_commit_had_are_not_reported() -> None:
    text = "a\n" + SAMPLES["github-token"] + "\n" + SAMPLES["aws-access-key-id"] + "\n"
    found = scan_text(text, frozenset({SAMPLES["github-token"]}))
    assert [(f.rule, f.line) for f in found] == [("aws-access-key-id", 3)]


@pytest.mark.parametrize("path", [".envrc", ".env", ".env.local", ".env-prod", ".env_backup", "config/.env.staging",
                                  "kubeconfig", "deploy/prod.kubeconfig", ".docker/config.json",
                                  "home/.docker/config.json", "firebase-adminsdk-abc12.json", "prod.tfvars",
                                  "server.pem", "id_rsa", "credentials-prod.json", ".kube/config", ".npmrc",
                                  "x/.ssh/id_ed25519", "Secrets.YAML"])
def test_secret_names(path: str) -> None:
    assert name_rule(path) is not None


@pytest.mark.parametrize("path", [".env.example", ".env.sample", ".env.template", ".env.dist",
                                  ".env.production.example", ".env-sample", ".environment", ".envoy.yaml",
                                  "src/secrets.py", "src/tokens.py", "id_rsa.pub", ".ssh/config", "docker/config.json",
                                  "kube/config.yaml", "main.tf", "README.md"])
def test_ordinary_names(path: str) -> None:
    assert name_rule(path) is None


def test_binary_probe() -> None:
    assert looks_binary(b"PK\x03\x04\0\0")
    assert not looks_binary(b"plain text\n")


# ---------------------------------------------------------------- finish

def _branch(repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "feature/x")


def _committed(repo: Path) -> set[str]:
    return set(git(repo, "show", "--name-only", "--format=", "HEAD").split())


def test_finish_leaves_out_d6_secrets(repo: Path, no_gh: None) -> None:
    """The hostile-repository reproduction (D6): none of these may be committed."""
    _branch(repo)
    files = {
        ".envrc": "export AWS_SECRET_ACCESS_KEY=x\n",
        ".env-prod": "DB=postgres\n",
        ".env_backup": "DB=postgres\n",
        "config/settings.py": f"KEY='{AKIA}'\n" + SAMPLES["aws-secret-access-key"] + "\n",
        "deploy/notes.txt": "use " + SAMPLES["github-token"] + "\n",
        "token.txt": SAMPLES["github-token"] + "\n",
        "kubeconfig": "users:\n- name: u\n  user:\n" + SAMPLES["bearer-jwt"] + "\n",
        ".docker/config.json": json.dumps({"auths": {"r": {"auth": "dXNlcjpwYXNz"}}}),
        "firebase-adminsdk-abc12.json": json.dumps({"type": "service_account"}),
        "keys/deploy.txt": "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n",
        "src/app.py": "print('hi')\n",
        ".env.example": "DB=\n",
    }
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    d = fin.finish(repo, "feat: x", push=False)
    committed = _committed(repo)
    assert committed == {"src/app.py", ".env.example"}
    reasons = {e["path"]: e for e in d["left_out_reasons"]}
    for name in set(files) - committed:
        assert name in d["left_out"] and reasons[name]["reason"] == "secret"
    assert "line 1 looks like an AWS access key ID" in reasons["config/settings.py"]["detail"]
    assert "line 2 looks like an AWS secret access key" in reasons["config/settings.py"]["detail"]
    assert reasons[".envrc"]["detail"] == "the file name matches .env*"
    assert AKIA not in json.dumps(d)  # the secret itself is never printed
    assert git(repo, "status", "--porcelain", "--", "config/settings.py").startswith("??")


def test_secret_staged_by_hand_is_unstaged(repo: Path, no_gh: None) -> None:
    _branch(repo)
    (repo / "notes.md").write_text("deploy with " + SAMPLES["gitlab-token"] + "\n")
    (repo / "app.py").write_text("x = 1\n")
    git(repo, "add", "notes.md", "app.py")
    d = fin.finish(repo, "feat", push=False)
    assert _committed(repo) == {"app.py"} and "notes.md" in d["left_out"]
    assert git(repo, "diff", "--cached", "--name-only") == ""


def test_tracked_file_with_an_old_secret_is_still_committed(repo: Path, no_gh: None) -> None:
    """A secret the history already holds is not new: the user's real change to that file is committed; a new
    secret line in the same file keeps it out."""
    _branch(repo)
    (repo / "fixtures.py").write_text(f"KEY = '{AKIA}'\n")
    git(repo, "add", "fixtures.py")
    git(repo, "commit", "-q", "-m", "old fixture")
    (repo / "fixtures.py").write_text(f"KEY = '{AKIA}'\nOTHER = 2\n")
    fin.finish(repo, "feat", push=False)
    assert _committed(repo) == {"fixtures.py"}
    (repo / "fixtures.py").write_text(f"KEY = '{AKIA}'\nOTHER = 2\n" + SAMPLES["stripe-live-key"] + "\n")
    d = fin.finish(repo, "feat 2", push=False)
    assert "fixtures.py" in d["left_out"] and not d["committed"]
    assert "line 3" in next(e for e in d["left_out_reasons"] if e["path"] == "fixtures.py")["detail"]


def test_binary_and_large_files_are_bounded(repo: Path, no_gh: None) -> None:
    _branch(repo)
    (repo / "logo.png").write_bytes(b"\x89PNG\0\0" + AKIA.encode())
    (repo / "big.log").write_bytes(b"x" * (SCAN_LIMIT + 10) + b"\n" + AKIA.encode())
    (repo / "a_link").symlink_to("token.txt")
    fin.finish(repo, "feat", push=False)
    assert _committed(repo) == {"logo.png", "big.log", "a_link"}


def test_allow_secret_commits_and_records_a_decision(repo: Path, no_gh: None) -> None:
    _branch(repo)
    (repo / "sub").mkdir()
    (repo / "sub/test_keys.py").write_text(f"FAKE = '{AKIA}'\n")
    (repo / ".env.ci").write_text("CI=1\n")
    code, out = cadence_json("finish", "-m", "feat", "--no-push", "--allow-secret", "test_keys.py",
                             "--allow-secret", "nothing.txt", cwd=repo / "sub")
    assert code == 0, out
    d = out["data"]
    assert [a["path"] for a in d["allowed_secrets"]] == ["sub/test_keys.py"]
    assert _committed(repo) == {"sub/test_keys.py", ".cadence/decisions.jsonl"}
    assert ".env.ci" in d["left_out"]
    assert any("nothing.txt" in w for w in out["warnings"])
    last = json.loads((repo / ".cadence/decisions.jsonl").read_text().splitlines()[-1])
    assert last["id"] == d["allowed_secrets"][0]["decision"] and "sub/test_keys.py" in last["text"]
    assert last["by"] == "cli" and AKIA not in last["text"]


def test_mcp_task_finalize_allow_secret(repo: Path, no_gh: None) -> None:
    from cadence.mcp.tools import TOOLS, validate
    _branch(repo)
    (repo / ".env.test").write_text("A=1\n")
    (repo / "ok.py").write_text("x = 1\n")
    t = TOOLS["task_finalize"]
    d = t.handler(repo, validate(t, {"message": "feat", "push": False}))
    assert _committed(repo) == {"ok.py"} and ".env.test" in d["left_out"]
    d = t.handler(repo, validate(t, {"message": "feat 2", "push": False, "allow_secret": [".env.test"]}))
    assert _committed(repo) == {".env.test", ".cadence/decisions.jsonl"}
    assert d["allowed_secrets"][0]["path"] == ".env.test"
    assert json.loads((repo / ".cadence/decisions.jsonl").read_text().splitlines()[-1])["by"] == "mcp"


def test_cli_lists_the_reason(repo: Path, no_gh: None) -> None:
    from wfhelpers import cadence
    _branch(repo)
    (repo / "conf.ini").write_text("[x]\n" + SAMPLES["slack-token"] + "\n")
    proc = cadence("finish", "-m", "feat", "--no-push", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "left out: conf.ini (secret: line 2 looks like a Slack token (slack-token))" in proc.stdout
    assert "--allow-secret PATH" in proc.stdout and "xoxb-" not in proc.stdout + proc.stderr
