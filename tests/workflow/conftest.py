"""Fixtures for the workflow tests: real git repositories in temp dirs, a bare origin, a fake gh."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from wfhelpers import FAKE_GH, GIT_ENV, git


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for k, v in GIT_ENV.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("HOME", str(tmp_path_factory.getbasetemp()))
    monkeypatch.setenv("CADENCE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="session")
def project_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repo with `cadence init --no-input` run once; copied per test."""
    base = tmp_path_factory.mktemp("template") / "repo"
    base.mkdir()
    env = {**os.environ, **GIT_ENV, "CADENCE_CACHE_DIR": str(tmp_path_factory.getbasetemp() / "cache")}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=base, check=True, env=env)
    proc = subprocess.run([sys.executable, "-m", "cadence", "init", "--no-input"], cwd=base, capture_output=True,
                          text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    (base / "README.md").write_text("# demo\n")
    subprocess.run(["git", "add", "-A"], cwd=base, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", "init"], cwd=base, check=True, env=env)
    return base


@pytest.fixture()
def repo(tmp_path: Path, project_template: Path) -> Path:
    """A fresh cadence project in a git repo on `main`, with a bare `origin` it has been pushed to."""
    root = tmp_path / "repo"
    shutil.copytree(project_template, root, symlinks=True)
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(root, "remote", "add", "origin", str(origin))
    git(root, "push", "-q", "-u", "origin", "main")
    return root


@pytest.fixture()
def fake_gh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put a fake `gh` first on PATH; returns its directory (calls.jsonl, responses.json, body.md)."""
    d = tmp_path / "ghfake"
    d.mkdir()
    exe = d / "gh"
    exe.write_text(FAKE_GH.format(python=sys.executable))
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{d}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("GH_FAKE_DIR", str(d))
    return d


@pytest.fixture()
def no_gh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A PATH with git and python but certainly no gh."""
    d = tmp_path / "nogh"
    d.mkdir()
    for tool in ("git",):
        src = shutil.which(tool)
        assert src
        (d / tool).symlink_to(src)
    monkeypatch.setenv("PATH", str(d))


