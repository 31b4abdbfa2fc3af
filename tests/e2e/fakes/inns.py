"""Run a client next to the fake model, both in the current network namespace.

    python inns.py PORT LOGFILE (--script SCRIPT.json | TOOL ARGS_JSON) -- CLIENT [ARGS...]

Used as `unshare -n python inns.py …`: inside a fresh namespace only loopback exists, so it
is brought up, the fake model listens on 127.0.0.1:PORT, and the client can reach nothing else.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

if __name__ == "__main__":
    sep = sys.argv.index("--")
    fake_args = sys.argv[1:sep]
    port = fake_args[0]
    client = sys.argv[sep + 1:]
    if shutil.which("ip"):
        subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True)
    fake = subprocess.Popen([sys.executable, str(Path(__file__).with_name("fake_model.py")), *fake_args])
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", int(port)), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        code = subprocess.run(client, stdin=subprocess.DEVNULL, env=os.environ).returncode
    finally:
        fake.kill()
        fake.wait()
    sys.exit(code)
