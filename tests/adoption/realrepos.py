"""The four real repositories of ../shared/fixtures/repos, unpacked (safely) into fresh git repositories."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest
from tests.conftest import git

ARCHIVES = Path(os.environ.get("CADENCE_FIXTURE_REPOS", "/work/shared/fixtures/repos"))
NAMES = ("jaffle_shop", "microblog", "tenacity", "tldr-python-client")


def unpack(name: str, dest: Path) -> Path:
    """Extract `<name>.tar.gz` into `dest` with the tarfile 'data' filter (no absolute paths, no `..`, no
    links out of the tree, no devices), then make it a git repository with one commit."""
    archive = ARCHIVES / f"{name}.tar.gz"
    if not archive.is_file():
        pytest.skip(f"fixture archive {archive} is not available")
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    root = dest / name
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "import")
    return root
