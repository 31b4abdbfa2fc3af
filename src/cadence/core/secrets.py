"""Secrets that must never reach a commit: secret-looking file names and well-known credential formats. Pure.

Two kinds of rule. A *name rule* matches a file by its name or path (`.env.local`, `id_rsa`, `kubeconfig`,
`.docker/config.json`…). A *content rule* matches a line of text against a credential format whose shape
is distinctive enough to be found in ordinary code without false alarms: a fixed prefix (`AKIA`, `ghp_`,
`glpat-`, `xoxb-`, `sk_live_`, `AIza`…), a private-key armour line, or a token assigned to a key that
names it. Words such as "token", "secret" or "password" alone are never enough, and neither is a
`password = "…"` assignment: those are everywhere in tests and examples, and an alarm that is usually
wrong teaches people to override it. A finding names the rule and the line; it never holds the secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

# Only the first SCAN_LIMIT bytes of a file are scanned; a NUL byte in the first BINARY_PROBE bytes
# marks a binary file, which is not scanned at all.
SCAN_LIMIT = 1024 * 1024
BINARY_PROBE = 8192

# `.env`, `.envrc`, `.env.local`, `.env-prod`, `.env_backup`… — not `.environment` or `.envoy.yaml`
_ENV_NAME = re.compile(r"\.env(?:rc)?(?:[._-].*)?")
# templates meant to be committed: `.env.example`, `.env.production.sample`, `.env-template`…
_ENV_TEMPLATE = re.compile(r"\.env(?:[._-].*)?[._-](?:example|sample|template|dist)")

# `secrets.*` only as data / config: `src/secrets.py` is a source module and must reach the PR
_DATA_EXT = ("json", "yml", "yaml", "toml", "env", "txt", "ini", "cfg", "conf", "properties", "xml", "enc", "gpg",
             "age", "asc", "csv")
# base-name globs, matched on the lower-cased name
SECRET_NAMES = ("*.env", "*.pem", "*.key", "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "*.p12", "*.pfx", "*.p8",
                "*.jks", "*.keystore", "*.ppk", "credentials", "credentials*.json", "credentials*.yml",
                "credentials*.yaml", "client_secret*.json", "service-account*.json", "*-adminsdk-*.json",
                *(f"secrets.{e}" for e in _DATA_EXT), "secrets", ".secrets*", ".netrc", "_netrc", ".npmrc",
                ".pypirc", ".git-credentials", ".dockercfg", ".pgpass", ".s3cfg", ".htpasswd", "*.tfstate",
                "*.tfstate.*", "*.tfvars", "*.tfvars.json", ".terraformrc", "terraform.rc", "kubeconfig",
                "kubeconfig.*", "*.kubeconfig", "*.keychain", "*.keychain-db", "*.kdbx")
# path globs (a `/`-separated suffix of the path), matched on the lower-cased path
SECRET_PATHS = (".docker/config.json", ".kube/config", ".aws/credentials", ".ssh/*", ".gnupg/*",
                ".config/gh/hosts.yml")
SAFE_NAMES = ("*.pub", ".ssh/known_hosts", ".ssh/config", ".ssh/authorized_keys")


def name_rule(path: str) -> str | None:
    """The name rule a path matches (`".env*"`, `"*.pem"`, `".docker/config.json"`…), or None."""
    p = path.replace("\\", "/").rstrip("/").lower()
    base = p.rsplit("/", 1)[-1]
    if any(fnmatchcase(base, s) or _suffix(p, s) for s in SAFE_NAMES):
        return None
    if _ENV_NAME.fullmatch(base):
        return None if _ENV_TEMPLATE.fullmatch(base) else ".env*"
    for pattern in SECRET_PATHS:
        if _suffix(p, pattern):
            return pattern
    return next((s for s in SECRET_NAMES if fnmatchcase(base, s)), None)


def _suffix(path: str, pattern: str) -> bool:
    """Does `pattern` (`a/b`, `a/*`) match the last segments of `path`?"""
    if "/" not in pattern:
        return False
    n = pattern.count("/") + 1
    return fnmatchcase("/".join(path.split("/")[-n:]), pattern)


@dataclass(frozen=True)
class ContentRule:
    name: str
    label: str                    # what the user reads: "an AWS access key ID"
    needles: tuple[str, ...]      # literal prefilter: the regex runs only on lines holding one of these
    pattern: re.Pattern[str]
    folded: bool = False          # needles are matched on the lower-cased line


def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


# A value that is a reference, not a secret: `${NPM_TOKEN}`, `$TOKEN`, `<token>`, `{{ token }}`.
_REF = r"(?![\"']?(?:\$|<|\{\{|%\())"

CONTENT_RULES: tuple[ContentRule, ...] = (
    ContentRule("private-key", "a private key block", ("PRIVATE KEY",),
                _rx(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ContentRule("aws-access-key-id", "an AWS access key ID", ("AKIA", "ASIA"),
                _rx(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])")),
    ContentRule("aws-secret-access-key", "an AWS secret access key", ("aws",),
                _rx(r"aws_?secret_?(?:access_?)?key[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])",
                    re.IGNORECASE), folded=True),
    ContentRule("github-token", "a GitHub token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
                _rx(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,251})"
                    r"(?![A-Za-z0-9_])")),
    ContentRule("gitlab-token", "a GitLab access token", ("glpat-",),
                _rx(r"(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}")),
    ContentRule("slack-token", "a Slack token", ("xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-"),
                _rx(r"(?<![A-Za-z0-9])xox[abprs]-[0-9]{6,}-[A-Za-z0-9-]{8,}")),
    ContentRule("slack-webhook", "a Slack webhook URL", ("hooks.slack.com/",),
                _rx(r"hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{16,}")),
    ContentRule("stripe-live-key", "a Stripe live secret key", ("sk_live_", "rk_live_"),
                _rx(r"(?<![A-Za-z0-9_])[sr]k_live_[A-Za-z0-9]{16,}")),
    ContentRule("google-api-key", "a Google API key", ("AIza",),
                _rx(r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])")),
    ContentRule("openai-key", "an OpenAI API key", ("sk-proj-", "sk-svcacct-", "sk-admin-", "T3BlbkFJ"),
                _rx(r"(?<![A-Za-z0-9_-])sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}"
                    r"|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})")),
    ContentRule("anthropic-key", "an Anthropic API key", ("sk-ant-",),
                _rx(r"(?<![A-Za-z0-9_-])sk-ant-[a-z]+\d*-[A-Za-z0-9_-]{40,}")),
    ContentRule("sendgrid-key", "a SendGrid API key", ("SG.",),
                _rx(r"(?<![A-Za-z0-9])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")),
    ContentRule("npm-token", "an npm access token", ("npm_", "_authtoken"),
                _rx(r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])"
                    r"|_authToken\s*=\s*" + _REF + r"[\"']?[A-Za-z0-9_./+=-]{16,}", re.IGNORECASE), folded=True),
    ContentRule("pypi-token", "a PyPI upload token", ("pypi-",),
                _rx(r"(?<![A-Za-z0-9_-])pypi-AgE[A-Za-z0-9_-]{50,}")),
    ContentRule("azure-storage-key", "an Azure storage account key", ("AccountKey=",),
                _rx(r"AccountKey=[A-Za-z0-9+/]{86}==")),
    ContentRule("digitalocean-token", "a DigitalOcean token", ("dop_v1_", "doo_v1_", "dor_v1_"),
                _rx(r"(?<![A-Za-z0-9_])do[opr]_v1_[a-f0-9]{64}(?![a-f0-9])")),
    ContentRule("shopify-token", "a Shopify access token", ("shpat_", "shpca_", "shppa_", "shpss_"),
                _rx(r"(?<![A-Za-z0-9_])shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}(?![A-Za-z0-9])")),
    ContentRule("huggingface-token", "a Hugging Face token", ("hf_",),
                _rx(r"(?<![A-Za-z0-9_])hf_[A-Za-z]{34}(?![A-Za-z0-9])")),
    ContentRule("age-secret-key", "an age secret key", ("AGE-SECRET-KEY-1",),
                _rx(r"AGE-SECRET-KEY-1[0-9A-Z]{58}")),
    ContentRule("bearer-jwt", "a bearer token (JWT)", ("eyj",),
                _rx(r"(?:bearer\s+|^\s*(?:-\s*)?(?:token|id-token|access-token)\s*:\s*[\"']?)"
                    r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", re.IGNORECASE), folded=True),
    ContentRule("kubeconfig-key", "a kubeconfig client key", ("client-key-data",),
                _rx(r"client-key-data:\s*[\"']?[A-Za-z0-9+/=]{40,}")),
)


@dataclass(frozen=True)
class Finding:
    rule: str
    label: str
    line: int        # 1-based


def scan_text(text: str, known: frozenset[str] = frozenset()) -> list[Finding]:
    """Credential formats found in `text`, one finding per (rule, line). Lines in `known` (for example
    the ones the file already had in the last commit) are not reported."""
    out: list[Finding] = []
    lower = text.lower()
    if not any(n in (lower if r.folded else text) for r in CONTENT_RULES for n in r.needles):
        return out
    for number, line in enumerate(text.splitlines(), 1):
        folded: str | None = None
        for rule in CONTENT_RULES:
            if rule.folded:
                folded = line.lower() if folded is None else folded
                hay = folded
            else:
                hay = line
            if not any(n in hay for n in rule.needles) or not rule.pattern.search(line):
                continue
            if line in known:
                break
            out.append(Finding(rule.name, rule.label, number))
    return out


def looks_binary(head: bytes) -> bool:
    """A NUL byte in the first bytes marks a binary file (git's own test)."""
    return b"\0" in head[:BINARY_PROBE]


def describe(finding: Finding) -> str:
    return f"line {finding.line} looks like {finding.label} ({finding.rule})"
