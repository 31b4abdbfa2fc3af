"""Facts the library states that a test can see: commands that really fail a build, configurations a tool
accepts, store requirements, evaluation rules. Each test names the error it pins."""

import json
import re
import tomllib
from configparser import ConfigParser
from pathlib import Path

import pytest

from cadence.content.loader import content_dir, knowledge_path

FENCE = re.compile(r"^```([\w+-]*)[^\n]*\n(.*?)^```", re.M | re.S)


def library_files() -> list[Path]:
    root = content_dir()
    return sorted([*root.glob("knowledge/*/*.md"), *root.glob("skills/*.yml")])


def entry(name: str) -> str:
    path = knowledge_path(name)
    assert path is not None, name
    return path.read_text(encoding="utf-8")


def blocks(text: str, *langs: str) -> list[str]:
    return [m.group(2) for m in FENCE.finditer(text) if not langs or m.group(1) in langs]


@pytest.fixture(scope="module")
def library() -> dict[str, str]:
    return {p.relative_to(content_dir()).as_posix(): p.read_text(encoding="utf-8") for p in library_files()}


def test_every_oasdiff_breaking_command_fails_the_build(library):
    # oasdiff prints breaking changes and exits 0 unless --fail-on ERR|WARN is given
    seen = 0
    for rel, text in library.items():
        for m in re.finditer(r"oasdiff breaking [^`\n]*", text):
            seen += 1
            assert "--fail-on" in m.group(0), f"{rel}: {m.group(0)!r} never fails a build"
    assert seen >= 4


def _importlinter_configs(text: str) -> list[tuple[list[str], bool, list[str]]]:
    """(root packages, include_external_packages, every forbidden module) per import-linter config block."""
    out = []
    for block in blocks(text, "toml"):
        if "importlinter" not in block:
            continue
        cfg = tomllib.loads(block)["tool"]["importlinter"]
        roots = cfg.get("root_packages") or [cfg["root_package"]]
        forbidden = [m for c in cfg.get("contracts", []) for m in c.get("forbidden_modules", [])]
        out.append((roots, bool(cfg.get("include_external_packages")), forbidden))
    for block in blocks(text, "ini", "cfg"):
        if "[importlinter]" not in block:
            continue
        parser = ConfigParser()
        parser.read_string(block)
        main = parser["importlinter"]
        roots = (main.get("root_packages") or main.get("root_package", "")).split()
        forbidden = [m for s in parser.sections() if s.startswith("importlinter:contract")
                     for m in parser[s].get("forbidden_modules", "").split()]
        out.append((roots, main.get("include_external_packages", "").strip().lower() in ("true", "1"), forbidden))
    return out


def test_import_linter_contracts_naming_third_party_packages_enable_them(library):
    # import-linter rejects a forbidden contract that names a package outside the root package(s)
    # unless include_external_packages is true
    configs = [(rel, c) for rel, text in library.items() for c in _importlinter_configs(text)]
    assert any(rel.endswith("eval-craft.md") for rel, _ in configs)
    for rel, (roots, external, forbidden) in configs:
        outside = [m for m in forbidden if m.split(".")[0] not in roots]
        assert not outside or external, f"{rel}: forbids {outside} without include_external_packages = true"


def test_the_firefox_manifest_example_declares_data_collection():
    # AMO requires browser_specific_settings.gecko.data_collection_permissions for new add-ons (Nov 2025)
    manifests = [json.loads(b) for b in blocks(entry("browser-extension-manifest"), "json")
                 if '"manifest_version"' in b]
    assert manifests
    for m in manifests:
        gecko = m["browser_specific_settings"]["gecko"]
        assert gecko["data_collection_permissions"]["required"], gecko
        assert int(gecko["strict_min_version"].split(".")[0]) >= 140  # first release that reads the key
    wxt = entry("browser-extension-cross-browser")
    assert "data_collection_permissions" in wxt.split("wxt.config.ts", 1)[1].split("```", 1)[0]


def test_model_evaluation_covers_preprocessing_leakage_cross_validation_and_baselines():
    text = re.sub(r"\s+", " ", entry("ml-model-evaluation"))
    code = "\n".join(blocks(entry("ml-model-evaluation"), "python"))
    assert "Pipeline(" in code and "StandardScaler" in code and "cross_validate(" in code
    assert "GridSearchCV" in code and "cross_val_score(inner" in code  # nested: the search runs inside the outer CV
    for phrase in ("inside the training fold", "nested cross-validation", "Baseline ladder", "GroupKFold",
                   "TimeSeriesSplit"):
        assert phrase in text, phrase


DATED_MODEL = re.compile(r"\b(gpt-4(?:\.\d)?(?:o)?(?:-mini)?|gpt-3\.5[\w-]*|claude-(?:2|3|3-5|3\.5)[\w.-]*|"
                         r"text-davinci[\w-]*)\b", re.I)


def test_no_dated_model_names(library):
    # model ids go stale within months; examples name a role alias configured in one place
    found = {rel: DATED_MODEL.findall(text) for rel, text in library.items() if DATED_MODEL.search(text)}
    assert found == {}


def test_oauth_2_1_is_called_a_draft(library):
    # OAuth 2.1 is an IETF draft (draft-ietf-oauth-v2-1), not an RFC
    for rel, text in library.items():
        flat = re.sub(r"\s+", " ", text)
        for m in re.finditer(r"OAuth 2\.1", flat):
            near = flat[max(0, m.start() - 200):m.end() + 200]
            assert "draft" in near.lower() or rel.startswith("skills/"), f"{rel}: …{near}…"


@pytest.mark.parametrize("wrong,right", [
    (r"\bgitleaks detect\b", "gitleaks ≥ 8.19 scans history with `gitleaks git`"),
    (r"\bpip audit\b", "the command is pip-audit"),
    (r"git filter-branch", "git filter-repo replaces filter-branch"),
    (r"npm audit --production|--only=prod", "npm uses --omit=dev"),
    (r"::set-output", "GitHub Actions writes outputs to $GITHUB_OUTPUT"),
    (r"OWASP Top 10:?\s?2021", "the current list is OWASP Top 10:2025"),
    (r"chrome\.tabs\.executeScript", "MV3 uses chrome.scripting.executeScript"),
])
def test_no_removed_commands_or_apis(library, wrong, right):
    hits = [rel for rel, text in library.items() if re.search(wrong, text)]
    assert hits == [], right


def _headings(name: str) -> set[str]:
    return {m.group(1).strip() for m in re.finditer(r"^###\s+(.+)$", entry(name), re.M)}


# the depth issue 14 asks for: each entry carries these sections (worked examples live inside them)
DEPTH = {
    "api-design": {"GraphQL", "JWT validation and revocation", "API keys", "Authorization models", "CORS",
                   "Filtering and request strictness", "Consumer-driven contracts"},
    "testing-strategy": {"From acceptance criteria to test cases", "Pending tests per framework", "Test doubles",
                         "Contract tests", "Property-based tests"},
    "eval-craft": {"Consistency evals: two documents, one truth", "Structure evals",
                   "Traceability: how sure is a match", "Exclusions and false positives",
                   "What evals do not check", "Blocking or advisory",
                   "Example: security invariant (every route is authenticated)",
                   "Worked example: from a recurring finding to an eval"},
    "security-best-practices": {"Data protection", "Account recovery, MFA and enumeration"},
    "system-architecture": {"From ADRs to binding constraints", "Enforcing dependency rules", "Fitness functions in CI",
                            "Domain concepts to components, and who owns which state"},
    "implementation-playbook": {"Evals in the Definition of Done", "Hand-off between agents"},
    "task-decomposition": {"Worked example: one feature, cut into tasks", "Split or merge: decision criteria",
                           "Tasks that are not features", "Writing tasks an agent can finish alone"},
    "review-implementation-tasks": {"Mechanical checks worth scripting", "The cold-read test for agent readiness",
                                    "Worked review", "Failure modes"},
    "review-platform-cert": {"Lifecycle and interruption test matrix", "Self-certification schedule",
                             "Store disclosures must match the SDKs", "Worked example: a rejection traced back",
                             "Failure modes"},
    "review-operations": {"Checking the SLOs against the architecture", "Scriptable checks on alerts and runbooks",
                          "Drills: evidence that the runbook works", "Worked review", "Failure modes"},
}


@pytest.mark.parametrize("name", sorted(DEPTH))
def test_deep_topics_keep_their_depth(name):
    assert DEPTH[name] <= _headings(name), DEPTH[name] - _headings(name)


def test_pending_markers_are_described_as_not_failing():
    # it.todo / skip report, they do not fail the build (the reference claimed CI shows red)
    text = entry("testing-strategy")
    for marker in ("it.todo", "@pytest.mark.skip", "t.Skip", "#[ignore", "@Disabled", "test.fixme"):
        assert marker in text, marker
    assert "never red" in text and "xfail(strict=True)" in text


def test_python_toml_and_yaml_examples_parse(library):
    # a copied example that does not even parse teaches the wrong thing (a GitHub Actions flow mapping with
    # an unquoted ${{ }} was one)
    import ast

    from cadence import yamlio
    for rel, text in library.items():
        for m in FENCE.finditer(text):
            lang, code = m.group(1), m.group(2)
            if lang == "python":
                ast.parse(code, filename=rel)
            elif lang == "toml":
                tomllib.loads(code)
            elif lang == "yaml":
                for doc in re.split(r"^---\s*$", code, flags=re.M):
                    yamlio.load(doc)


def test_data_protection_covers_the_lifecycle():
    text = re.sub(r"\s+", " ", entry("security-best-practices"))
    for phrase in ("Inventory", "Retention", "Encryption in transit", "Encryption at rest", "Key rotation", "Erasure",
                   "verify-full", "generate_data_key", "crypto-shredding"):
        assert phrase.lower() in text.lower(), phrase


def test_the_playbook_definition_of_done_runs_the_evals():
    text = entry("implementation-playbook")
    dod = text.split("### Definition of done", 1)[1].split("###", 1)[0]
    assert "make eval" in dod and "Hand-off note" in dod
    assert "make check       # fmt-check + lint + typecheck + test + eval" in text


def test_the_plan_checking_script_finds_cycles_and_overlaps(tmp_path, monkeypatch):
    # the review entry ships a script; run it on a small plan so the example stays correct
    text = entry("review-implementation-tasks")
    code = text.split("For a plan whose tasks follow the template", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "docs").mkdir()
    plan = tmp_path / "docs/implementation-plan.md"
    plan.write_text("### T-10 Skeleton\nFiles: app/main.py\n### T-11 Book\nDepends on: T-10\nImplements: US-20 AC1\n"
                    "Files: app/booking/api.py, migrations/\n### T-13 List\nDepends on: T-10, T-99\n"
                    "Files: app/booking/api.py\n")
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "review-implementation-tasks", "exec"), scope)
    assert scope["waves"] == [["T-10"], ["T-11", "T-13"]]
    assert scope["missing"] == {"T-13": {"T-99"}}
    assert scope["overlaps"] == [(2, "app/booking/api.py", ["T-11", "T-13"])]
    plan.write_text("### T-1 a\nDepends on: T-2\n### T-2 b\nDepends on: T-1\n")
    with pytest.raises(SystemExit, match="P0 dependency cycle"):
        exec(compile(code, "review-implementation-tasks", "exec"), {})
