"""The wizard checks the cross-field rules as each answer is given, never loses answers, and exits 130 on Ctrl-C."""

import os
import pty
import select
import signal
import sys
import time

import pytest
from tests.e2e.test_wizard import converse

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")


def test_an_option_the_earlier_answers_rule_out_is_not_offered(repo):
    # custom, depth 3, web-app, ssr: 'static' would break "ssr needs a server", so it is not in the menu
    code, out = converse(["init"], [("Methodology", "custom"), ("Default depth", ""), ("Project type", "web-app"),
                                    ("Rendering strategy", "ssr"), ("Deploy target", "static"),
                                    ("Please enter one of", "container"), ("Real-time needs", ""),
                                    ("How do users authenticate", "oauth"), ("AI clients", "-")], repo)
    assert code == 0, out
    deploy = out[out.index("Deploy target"):out.index("Real-time needs")]
    assert "not offered: static; rendering 'ssr' or 'hybrid' needs a server" in out
    assert ") static" not in deploy
    assert "Please enter one of the numbers or names above." in deploy  # typing the hidden option is refused
    cfg = (repo / ".cadence/config.yml").read_text()
    assert "deploy-target: container" in cfg and "rendering: ssr" in cfg and "auth-flow: oauth" in cfg


def test_a_later_answer_that_breaks_a_rule_is_asked_again_with_the_reason(repo):
    # a browser extension with no UI surface and no content script must keep its background worker
    code, out = converse(["init", "--methodology", "mvp", "--project-type", "browser-extension", "--clients", "claude"],
                         [("Manifest version", ""), ("UI surfaces", "-"), ("Content script support", "n"),
                          ("Background worker support", "n"), ("answer this question again", ""),
                          ], repo)
    assert code == 0, out
    assert "✗ a browser extension needs at least one capability" in out
    assert "background-worker: true" in (repo / ".cadence/config.yml").read_text()


def test_presets_and_types_show_their_descriptions(repo):
    code, out = converse(["init", "--clients", "claude"], [("Methodology", "mvp"), ("Project type", "none")], repo)
    assert code == 0, out
    menu = out[:out.index("Project type")]
    assert "deep" in menu and "Every core step at full depth" in menu
    assert "the shortest path from idea to a working first version" in menu
    types = out[out.index("Project type"):]
    assert "a command-line tool" in types


def test_contradicting_flags_fail_before_any_question_naming_the_flags(repo):
    code, out = converse(["init", "--web-rendering", "ssr", "--web-deploy-target", "static"], [], repo)
    assert code == 1, out
    assert "Methodology" not in out
    assert "--web-rendering" in out and "--web-deploy-target" in out
    assert not (repo / ".cadence").exists()


def test_ctrl_c_in_the_wizard_exits_130_and_writes_nothing(repo):
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.chdir(repo)
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # as at a terminal, even when the suite runs as a background job
        os.execvpe(sys.executable, [sys.executable, "-m", "cadence", "init"], {**os.environ, "NO_COLOR": "1"})
    out = b""
    deadline = time.monotonic() + 60

    def read(seconds: float) -> bool:
        """Collect output for up to `seconds`; False once the terminal closed (the process ended)."""
        nonlocal out
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if not select.select([fd], [], [], 0.1)[0]:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return False
            if not chunk:
                return False
            out += chunk
        return True

    while b"Choose" not in out and time.monotonic() < deadline and read(0.2):
        pass
    assert b"Choose" in out, out
    # Python's readline checks a pending signal only once it waits for input: a Ctrl-C that lands between
    # the prompt being printed and that wait is seen at the next key. A user presses it again; so does this.
    status = None
    while status is None and time.monotonic() < deadline:
        os.kill(pid, signal.SIGINT)
        read(2.0)
        done, st = os.waitpid(pid, os.WNOHANG)
        status = st if done else None
    if status is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail(f"cadence init did not stop on Ctrl-C: {out!r}")
    assert os.waitstatus_to_exitcode(status) == 130, out
    assert b"INTERRUPTED" in out
    assert not (repo / ".cadence").exists()
