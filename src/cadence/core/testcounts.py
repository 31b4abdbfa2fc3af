"""Parse passed / failed / skipped counts out of test-runner output. Pure.

pytest, vitest, jest, mocha, go test, cargo test, rspec, Python unittest, and a generic
"N passed, N failed" fallback.
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_PYTEST_LINE = re.compile(r"\b\d+ (?:passed|failed|errors?|skipped|xfailed|xpassed|deselected)\b.*\bin [\d.]+\s*s")
_PYTEST_ITEM = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)\b")
_VITEST = re.compile(r"^\s*Tests\s+(?P<rest>.*\d+\s+(?:passed|failed|skipped).*)$", re.MULTILINE)
_JEST = re.compile(r"^\s*Tests:\s+(?P<rest>.*\d+ total.*)$", re.MULTILINE)
_CARGO = re.compile(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored")
_GO_CASE = re.compile(r"^\s*--- (PASS|FAIL|SKIP): ", re.MULTILINE)
_GO_PKG = re.compile(r"^(ok|FAIL|\?)\s+\S+(?:\s|$)", re.MULTILINE)
_MOCHA = re.compile(r"^\s*(\d+) (passing|failing|pending)\b", re.MULTILINE)
_RSPEC = re.compile(r"^\s*(\d+) examples?, (\d+) failures?(?:, (\d+) pending)?", re.MULTILINE)
_UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in ", re.MULTILINE)
_UNITTEST_END = re.compile(r"^(OK|FAILED)(?: \((?P<rest>[^)]*)\))?\s*$", re.MULTILINE)
_GENERIC = re.compile(r"(\d+)\s+(passed|passing|failed|failing|failures?|errors?|skipped|pending|ignored)\b",
                      re.IGNORECASE)

Counts = dict[str, int]


def _tally(pairs: list[tuple[str, str]]) -> Counts:
    c = {"passed": 0, "failed": 0, "skipped": 0}
    for num, word in pairs:
        w = word.lower()
        n = int(num)
        if w in ("passed", "passing", "xpassed"):
            c["passed"] += n
        elif w in ("failed", "failing", "error", "errors", "failure", "failures"):
            c["failed"] += n
        elif w in ("skipped", "pending", "ignored", "xfailed", "todo"):
            c["skipped"] += n
    return c


def parse_counts(output: str) -> Counts | None:
    """{"passed", "failed", "skipped"} from a runner's output, or None when nothing is recognisable."""
    text = _ANSI.sub("", output or "").replace("\r\n", "\n")
    cargo = _CARGO.findall(text)
    if cargo:
        return {"passed": sum(int(p) for p, _, _ in cargo), "failed": sum(int(f) for _, f, _ in cargo),
                "skipped": sum(int(i) for _, _, i in cargo)}
    jest = _JEST.findall(text)
    if jest:
        return _tally(re.findall(r"(\d+) (passed|failed|skipped|todo)", jest[-1]))
    vitest = [m for m in _VITEST.findall(text) if "|" in m or "(" in m]
    if vitest:
        return _tally(re.findall(r"(\d+) (passed|failed|skipped|todo)", vitest[-1]))
    py = [line for line in text.split("\n") if _PYTEST_LINE.search(line)]
    if py:
        return _tally(_PYTEST_ITEM.findall(py[-1]))
    cases = _GO_CASE.findall(text)
    if cases:
        return {"passed": cases.count("PASS"), "failed": cases.count("FAIL"), "skipped": cases.count("SKIP")}
    pkgs = _GO_PKG.findall(text)
    if pkgs and any(p in ("ok", "FAIL") for p in pkgs):
        return {"passed": pkgs.count("ok"), "failed": pkgs.count("FAIL"), "skipped": 0}
    mocha = _MOCHA.findall(text)
    if mocha:
        return _tally(mocha)
    rspec = _RSPEC.findall(text)
    if rspec:
        total, failed, pending = (int(x or 0) for x in rspec[-1])
        return {"passed": max(total - failed - pending, 0), "failed": failed, "skipped": pending}
    ran = _UNITTEST_RAN.findall(text)
    end = list(_UNITTEST_END.finditer(text))
    if ran and end:
        info = dict(re.findall(r"(\w+)=(\d+)", end[-1].group("rest") or ""))
        failed = int(info.get("failures", 0)) + int(info.get("errors", 0)) + int(info.get("unexpected_successes", 0))
        skipped = int(info.get("skipped", 0)) + int(info.get("expected_failures", 0))
        return {"passed": max(int(ran[-1]) - failed - skipped, 0), "failed": failed, "skipped": skipped}
    lines = [line for line in text.split("\n") if _GENERIC.search(line)]
    if lines:
        return _tally(_GENERIC.findall(lines[-1]))
    return None
