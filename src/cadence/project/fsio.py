"""Every file cadence reads, writes, deletes or locks in a repository goes through here.

One rule: the path, once every symlink on it is resolved, stays inside the repository root.
It is checked when the file is opened (the resolved path is what gets opened, with
`O_NOFOLLOW` on the last component), never by comparing strings. A link that stays inside
the repository is followed (`CLAUDE.md → AGENTS.md`); a link that leads out — or loops, or
dangles out — is refused with UNSAFE_PATH naming the link. `root=None` means no confinement:
only for the user-scope directories the user owns (dotfile managers link `~/.claude`).

Writes are atomic (temp file in the same directory, fsync, `os.replace`); a new file gets the
user's usual mode (0o666 minus the umask, applied by the kernel) and a replaced file keeps its
mode. Temp files left by a killed write (`.<name>.<hex>.tmp`) are removed by the next write of
the same file and reported by `doctor`.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from pathlib import Path

from cadence.errors import CONFLICT, CadenceError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

UNSAFE = "UNSAFE_PATH"
TMP_SUFFIX = ".tmp"
INIT_LITTER = ".cadence.init-"  # the temporary .cadence/ that `init` builds before moving it into place
LITTER_DIRS = (".", ".cadence", ".cadence/plans", ".cadence/sessions", ".cadence/knowledge", ".cadence/instructions",
               "docs", "docs/decisions", "docs/features", "docs/flows")
STALE_TMP_AGE = 60.0  # seconds: a temp file this old is litter from a killed write, not a write in flight
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _first_link(root: Path, path: Path) -> tuple[Path, str] | None:
    """The first symlinked component of `path` below `root`, and where it points."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return None
    cur = root
    for part in parts:
        cur = cur / part
        if os.path.islink(cur):
            try:
                return cur, os.readlink(cur)
            except OSError:
                return cur, "?"
    return None


def unsafe(root: Path, path: Path, why: str = "resolves outside the repository") -> CadenceError:
    link = _first_link(root, path)
    if link is not None:
        where, target = link
        return CadenceError(UNSAFE, f"{_rel(root, where)} is a symlink to {target}, which {why} ({root.resolve()})",
                            f"cadence never follows a link out of the repository: remove it "
                            f"('rm {_rel(root, where)}') or replace it with a real file or directory.", CONFLICT)
    return CadenceError(UNSAFE, f"{_rel(root, path)} {why} ({root.resolve()})",
                        "cadence only touches files inside the repository.", CONFLICT)


def _abs(root: Path | None, path: Path) -> Path:
    return path if path.is_absolute() or root is None else root / path


def not_a_file(root: Path | None, path: Path) -> CadenceError:
    rel = _rel(root, path) if root is not None else str(path)
    return CadenceError("NOT_A_FILE", f"{rel} is a directory or another non-file, so cadence cannot write it",
                        f"Move {rel} away (cadence writes a regular file there), then retry.", CONFLICT)


def real_path(root: Path | None, path: Path) -> Path:
    """The path with every symlink resolved, refused unless it lies inside `root` (None: no check)."""
    path = _abs(root, path)
    real = Path(os.path.realpath(path))
    if any(os.path.islink(q) for q in (real, *real.parents)):  # only a loop survives realpath as a link
        if root is None:
            raise OSError(errno.ELOOP, "symlink loop", str(path))
        raise unsafe(root, path, "is a symlink loop")
    if root is None:
        return real
    base = Path(os.path.realpath(root))
    if real != base and base not in real.parents:
        raise unsafe(root, path)
    return real


def _open(root: Path | None, path: Path, flags: int, mode: int = 0o666) -> int:
    real = real_path(root, path)
    try:
        return os.open(real, flags | _NOFOLLOW | _CLOEXEC, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP and root is not None:
            raise unsafe(root, _abs(root, path), "is a symlink loop") from None
        raise


def open_read(root: Path | None, path: Path) -> int:
    """A read-only descriptor on a regular file (a FIFO or device never blocks or is read)."""
    fd = _open(root, path, os.O_RDONLY | _NONBLOCK)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return fd


def read_bytes(root: Path | None, path: Path) -> bytes:
    fd = open_read(root, path)
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def read_text(root: Path | None, path: Path, errors: str = "strict") -> str:
    return read_bytes(root, path).decode("utf-8", errors)


def mkdirs(root: Path | None, path: Path) -> Path:
    """Create `path` and its missing parents inside `root`; returns the real directory."""
    real = real_path(root, path)
    try:
        os.makedirs(real, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        rel = _rel(root, _abs(root, path)) if root is not None else str(path)
        raise CadenceError("NOT_A_DIRECTORY", f"{rel} (or a directory on the way) is a file, so cadence cannot "
                           "create it", f"Move the file away (cadence needs a directory at {rel}), then retry.",
                           CONFLICT) from None
    if root is not None:
        real_path(root, path)  # nothing was swapped for a link while creating it
    return real


def listdir(root: Path | None, path: Path, pattern: str | None = None) -> list[Path]:
    """The entries of a directory inside `root` (as `path / name`, sorted), optionally filtered by a glob."""
    import fnmatch
    real = real_path(root, path)
    try:
        names = os.listdir(real)
    except (FileNotFoundError, NotADirectoryError):
        return []
    if pattern is not None:
        names = [n for n in names if fnmatch.fnmatchcase(n, pattern)]
    return [path / n for n in sorted(names)]


def unlink(root: Path | None, path: Path, missing_ok: bool = False) -> None:
    """Remove a file (a symlink itself, never its target) from a directory inside `root`."""
    parent = real_path(root, _abs(root, path).parent)
    try:
        os.unlink(parent / path.name)
    except FileNotFoundError:
        if not missing_ok:
            raise


def atomic_write(root: Path | None, path: Path, data: str | bytes, backup: bool = False,
                 mode: int | None = None) -> None:
    """Write `data` to `path` so a reader sees the old file or the new one, never a partial one.

    A new file gets 0o666 minus the umask (or `mode`); an existing one keeps its mode. With
    `backup`, the previous file is kept as `<path>.bak` (hard link, so it is atomic too).
    """
    import secrets
    real = real_path(root, path)
    parent = mkdirs(root, real.parent)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        st = os.stat(real, follow_symlinks=False)
    except FileNotFoundError:
        keep: int | None = None
    else:
        if not stat.S_ISREG(st.st_mode):
            raise not_a_file(root, _abs(root, path))
        keep = stat.S_IMODE(st.st_mode)
    while True:
        tmp = parent / f".{real.name}.{secrets.token_hex(4)}{TMP_SUFFIX}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as fh:
            wanted = keep if keep is not None else mode
            if wanted is not None:
                os.fchmod(fh.fileno(), wanted)
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        if backup and keep is not None:
            bak = parent / (real.name + ".bak")
            bak_tmp = parent / f".{real.name}.bak{TMP_SUFFIX}"
            try:
                if os.path.lexists(bak_tmp):
                    os.unlink(bak_tmp)
                os.link(real, bak_tmp, follow_symlinks=False)
                os.replace(bak_tmp, bak)
            except OSError:
                pass
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(parent)
    clean_litter(parent, real.name)


def litter(directory: Path, name: str | None = None, min_age: float = STALE_TMP_AGE) -> list[Path]:
    """Temp files of killed writes in `directory` (of file `name`, or of any file), older than `min_age`."""
    prefix = f".{name}." if name else "."
    out = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    now = time.time()
    for e in entries:
        if e.name.startswith(prefix) and e.name.endswith(TMP_SUFFIX) and e.name.count(".") >= 3:
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode) and now - st.st_mtime >= min_age:
                out.append(Path(e.path))
    return sorted(out)


def project_litter(root: Path, min_age: float = STALE_TMP_AGE) -> list[Path]:
    """What killed writes left in a project: temp files in cadence's directories, `.cadence.init-*/` dirs."""
    out = []
    for rel in LITTER_DIRS:
        d = root / rel
        if not os.path.islink(d) and d.is_dir():
            out += litter(d, None, min_age)
    now = time.time()
    for p in sorted(root.glob(f"{INIT_LITTER}*")):
        try:
            st = p.lstat()
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode) and now - st.st_mtime >= min_age:
            out.append(p)
    return out


def clean_project_litter(root: Path, min_age: float = STALE_TMP_AGE) -> list[str]:
    """Remove `project_litter`; returns the repository-relative paths removed."""
    import shutil
    removed = []
    for p in project_litter(root, min_age):
        try:
            if p.is_dir():
                shutil.rmtree(p)
            else:
                os.unlink(p)
            removed.append(_rel(root, p))
        except OSError:
            pass
    return removed


def clean_init_litter(root: Path) -> None:
    import shutil
    for p in project_litter(root):
        if p.name.startswith(INIT_LITTER):
            shutil.rmtree(p, ignore_errors=True)


def clean_litter(directory: Path, name: str | None = None, min_age: float = STALE_TMP_AGE) -> list[Path]:
    removed = []
    for p in litter(directory, name, min_age):
        try:
            os.unlink(p)
            removed.append(p)
        except OSError:
            pass
    return removed


def rmdir(root: Path | None, path: Path) -> None:
    """Remove an empty directory inside `root` (a link to a directory is never followed)."""
    parent = real_path(root, _abs(root, path).parent)
    os.rmdir(parent / path.name)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def append_line(root: Path | None, path: Path, line: str) -> None:
    """Append one record with a single O_APPEND write (concurrent appenders never interleave)."""
    mkdirs(root, _abs(root, path).parent)
    data = (line.rstrip("\n") + "\n").encode("utf-8")
    try:
        fd = _open(root, path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NONBLOCK)
    except IsADirectoryError:
        raise not_a_file(root, _abs(root, path)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise not_a_file(root, _abs(root, path))
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def open_lock(root: Path, path: Path) -> int:
    """A read-write descriptor on the lock file, created if missing; never truncates or follows a link."""
    mkdirs(root, _abs(root, path).parent)
    try:
        fd = _open(root, path, os.O_RDWR | os.O_CREAT | _NONBLOCK)
    except IsADirectoryError:
        fd = -1
    if fd >= 0 and stat.S_ISREG(os.fstat(fd).st_mode):
        return fd
    if fd >= 0:
        os.close(fd)
    raise CadenceError("LOCK_INVALID", f"{_rel(root, path)} is not a regular file",
                       f"Remove it ('rm -r {_rel(root, path)}'); cadence recreates the lock file.", CONFLICT)


def copy_file(src_root: Path | None, src: Path, dst_root: Path | None, dst: Path) -> None:
    """Copy a regular file (content and mode) from inside `src_root` to a new file inside `dst_root`."""
    fd = open_read(src_root, src)
    with os.fdopen(fd, "rb") as fh:
        mode = stat.S_IMODE(os.fstat(fh.fileno()).st_mode)
        data = fh.read()
    atomic_write(dst_root, dst, data, mode=mode)


def read_json(root: Path, path: Path, what: str, code: str, fix: str) -> Any:
    """Load a JSON state file; a missing file is None, a corrupt one an explicit error (exit 3)."""
    import json
    try:
        raw = read_bytes(root, path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CadenceError(code, f"cannot read {what}: {exc.strerror}", fix, CONFLICT) from None
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CadenceError(code, f"{what} is corrupt (not valid JSON: {exc})", fix, CONFLICT) from None


def dumps(data: Any) -> str:
    import json
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
