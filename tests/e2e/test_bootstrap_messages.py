"""scripts/bootstrap says what the first-run setup is doing before the slow part, and is quiet afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"

FAKE_UV = "#!/bin/sh\necho \"uv $*\" >> \"$LOG\"\nmkdir -p .venv/bin && printf '#!/bin/sh\\n' > .venv/bin/cadence " \
          "&& chmod +x .venv/bin/cadence\n"
# a python whose `-m venv DIR` makes DIR/bin/python, whose `-m pip install uv` makes DIR/bin/uv (the fake above)
FAKE_PY = """#!/bin/sh
echo "python $*" >> "$LOG"
if [ "$1 $2" = "-m venv" ]; then
  mkdir -p "$3/bin" && cp "$0" "$3/bin/python"
elif [ "$1 $2" = "-m pip" ]; then
  cp "$FAKE_UV" "$(dirname "$0")/uv"
fi
"""


def _checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPTS / "bootstrap", root / "scripts" / "bootstrap")
    return root


def _tool(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


def _run(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(root / "scripts" / "bootstrap")], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env})


def test_first_run_without_uv_announces_both_slow_parts(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "log"
    fake_uv = _tool(tmp_path / "fake-uv", FAKE_UV)
    python = _tool(bin_dir / "python-fake", FAKE_PY)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "PYTHON": str(python), "LOG": str(log), "FAKE_UV": str(fake_uv)}
    first = _run(root, env)
    assert first.returncode == 0, first.stderr
    assert "first run: installing uv into .venv-tools/" in first.stderr
    assert "first run: creating .venv/" in first.stderr
    assert first.stderr.index("installing uv") < first.stderr.index("creating .venv")
    assert "uv sync --frozen" in log.read_text()
    again = _run(root, env)
    assert again.returncode == 0 and again.stderr == ""


def test_with_uv_on_path_only_the_venv_is_announced(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _tool(bin_dir / "uv", FAKE_UV)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "LOG": str(tmp_path / "log")}
    r = _run(root, env)
    assert r.returncode == 0, r.stderr
    assert "installing uv" not in r.stderr and "first run: creating .venv/" in r.stderr
