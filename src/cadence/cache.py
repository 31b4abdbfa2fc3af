"""A small on-disk cache of parsed-and-validated data, keyed by a hash of its inputs.

It lives in the user's cache directory ($CADENCE_CACHE_DIR, else $XDG_CACHE_HOME/cadence,
else ~/.cache/cadence) — never in the repository. A cache hit is only ever the result of the
same validation on the same bytes, so it never skips a check. CADENCE_NO_CACHE=1 disables it;
any I/O problem silently falls back to recomputing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cadence import __version__

try:  # the builtin module avoids loading OpenSSL at start-up
    from _sha256 import sha256  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    from hashlib import sha256

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def cache_dir() -> Path | None:
    if os.environ.get("CADENCE_NO_CACHE"):
        return None
    explicit = os.environ.get("CADENCE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cadence"


def key(namespace: str, *parts: str | bytes) -> str:
    h = sha256(__version__.encode())
    for p in parts:
        h.update(b"\0")
        h.update(p.encode() if isinstance(p, str) else p)
    return f"{namespace}-{h.hexdigest()[:32]}"


def get(cache_key: str) -> Any | None:
    d = cache_dir()
    if d is None:
        return None
    try:
        with open(d / f"{cache_key}.json", encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def put(cache_key: str, value: Any) -> None:
    d = cache_dir()
    if d is None:
        return
    try:
        text = json.dumps(value, separators=(",", ":"))
    except (TypeError, ValueError):  # not JSON data (a bug upstream): recompute next time rather than fail
        return
    try:
        d.mkdir(parents=True, exist_ok=True)
        import _thread
        tmp = d / f".{cache_key}.{os.getpid()}.{_thread.get_ident()}.tmp"  # the MCP server reads in threads
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, d / f"{cache_key}.json")
    except OSError:
        pass
