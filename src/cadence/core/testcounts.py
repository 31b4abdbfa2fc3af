"""Parse passed / failed / skipped counts out of test-runner output. Pure.

pytest, vitest, jest, mocha, go test, cargo test, rspec, Python unittest, and a generic
"N passed, N failed" fallback.
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_PYTEST_LINE = re.compile(r"\b\d+ (?:passed|failed|errors?|skipped|xfailed|xpassed|deselected)\b.*\bin [\d.]+\s*s")
_PYTEST_ITEM = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)\b")
_VITEST = re.compile(r"^\s*Tests\s+(?P<rest>.*\d+\s+(?:passed|failed|skipped).*)$")
_JEST = re.compile(r"^\s*Tests:\s+(?P<rest>.*\d+ total.*)$")
_CARGO = re.compile(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored")
_GO_CASE = re.compile(r"^\s*--- (PASS|FAIL|SKIP): ")
_GO_PKG = re.compile(r"^(ok|FAIL|\?)\s+\S+(?:\s|$)")
_MOCHA = re.compile(r"^\s*(\d+) (passing|failing|pending)\b")
_RSPEC = re.compile(r"^\s*(\d+) examples?, (\d+) failures?(?:, (\d+) pending)?")
_UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in ")
_UNITTEST_END = re.compile(r"^(OK|FAILED)(?: \((?P<rest>[^)]*)\))?\s*$")
_GENERIC = re.compile(r"(\d+)\s+(passed|passing|failed|failing|failures?|errors?|skipped|pending|ignored)\b",
                      re.IGNORECASE)

# every pattern above needs a digit, except go test's `--- PASS:` / `ok pkg` / `? pkg` and unittest's `OK` / `FAILED`
_CANDIDATE = re.compile(r"\d|--- |^\s*(?:ok|FAIL|OK|\?)")
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


class CountParser:
    """Counts from output fed line by line, in constant memory: per format only what the verdict needs
    (running sums and counts, or the last matching line). `parse_counts` feeds it a whole text."""

    LINE_MAX = 4096  # characters of one line that are looked at (runners' summary lines are short)

    def __init__(self) -> None:
        self.cargo = [0, 0, 0]
        self.cargo_seen = False
        self.go_cases = {"PASS": 0, "FAIL": 0, "SKIP": 0}
        self.go_pkgs = {"ok": 0, "FAIL": 0, "?": 0}
        self.mocha: Counts | None = None
        self.last: dict[str, str] = {}  # format → its last matching line (jest, vitest, pytest, rspec, …)

    def feed(self, line: str) -> None:
        if not _CANDIDATE.search(line, 0, self.LINE_MAX):
            return
        line = _ANSI.sub("", line[:self.LINE_MAX]).rstrip("\r\n")
        m = _CARGO.search(line)
        if m:
            self.cargo_seen = True
            for i in range(3):
                self.cargo[i] += int(m.group(i + 1))
        jm = _JEST.match(line)
        if jm:
            self.last["jest"] = jm.group("rest")
        vm = _VITEST.match(line)
        if vm and ("|" in vm.group("rest") or "(" in vm.group("rest")):
            self.last["vitest"] = vm.group("rest")
        if _PYTEST_LINE.search(line):
            self.last["pytest"] = line
        gm = _GO_CASE.match(line)
        if gm:
            self.go_cases[gm.group(1)] += 1
        pm = _GO_PKG.match(line)
        if pm:
            self.go_pkgs[pm.group(1)] += 1
        mm = _MOCHA.findall(line)
        if mm:
            found = _tally(mm)
            self.mocha = {k: (self.mocha or {}).get(k, 0) + found[k] for k in found}
        for name, rx in (("rspec", _RSPEC), ("ran", _UNITTEST_RAN), ("end", _UNITTEST_END)):
            if rx.match(line):
                self.last[name] = line
        if _GENERIC.search(line):
            self.last["generic"] = line

    def result(self) -> Counts | None:
        """{"passed", "failed", "skipped"}, or None when nothing is recognisable."""
        if self.cargo_seen:
            return {"passed": self.cargo[0], "failed": self.cargo[1], "skipped": self.cargo[2]}
        for name in ("jest", "vitest"):
            if name in self.last:
                return _tally(re.findall(r"(\d+) (passed|failed|skipped|todo)", self.last[name]))
        if "pytest" in self.last:
            return _tally(_PYTEST_ITEM.findall(self.last["pytest"]))
        if any(self.go_cases.values()):
            return {"passed": self.go_cases["PASS"], "failed": self.go_cases["FAIL"], "skipped": self.go_cases["SKIP"]}
        if self.go_pkgs["ok"] or self.go_pkgs["FAIL"]:
            return {"passed": self.go_pkgs["ok"], "failed": self.go_pkgs["FAIL"], "skipped": 0}
        if self.mocha:
            return self.mocha
        if "rspec" in self.last:
            total, failed, pending = (int(x or 0) for x in _RSPEC.match(self.last["rspec"]).groups())  # type: ignore[union-attr]
            return {"passed": max(total - failed - pending, 0), "failed": failed, "skipped": pending}
        if "ran" in self.last and "end" in self.last:
            ran = int(_UNITTEST_RAN.match(self.last["ran"]).group(1))  # type: ignore[union-attr]
            rest = _UNITTEST_END.match(self.last["end"]).group("rest")  # type: ignore[union-attr]
            info = dict(re.findall(r"(\w+)=(\d+)", rest or ""))
            failed = sum(int(info.get(k, 0)) for k in ("failures", "errors", "unexpected_successes"))
            skipped = int(info.get("skipped", 0)) + int(info.get("expected_failures", 0))
            return {"passed": max(ran - failed - skipped, 0), "failed": failed, "skipped": skipped}
        if "generic" in self.last:
            return _tally(_GENERIC.findall(self.last["generic"]))
        return None


def parse_counts(output: str) -> Counts | None:
    """{"passed", "failed", "skipped"} from a runner's output, or None when nothing is recognisable."""
    parser = CountParser()
    for line in (output or "").replace("\r\n", "\n").split("\n"):
        parser.feed(line)
    return parser.result()
