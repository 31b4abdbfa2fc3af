"""Start-up discipline: hot commands import nothing they do not use (timing lives in benchmarks/)."""

import json
import subprocess
import sys

HEAVY = ("pydantic", "ruamel", "mcp", "tomlkit", "cadence.content.models", "cadence.core.assemble", "asyncio",
         "typer", "rich", "dataclasses", "typing", "tempfile", "hashlib")


def imported_by(project, *args) -> set[str]:
    code = ("import sys, json, io, contextlib\nfrom cadence.cli.main import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    main(['--root', {str(project)!r}, *{list(args)!r}])\n"
            "print(json.dumps(sorted(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_next_and_status_import_nothing_heavy_once_the_index_is_cached(cli, project):
    assert cli("--root", project, "next").code == 0  # warms the content and config cache
    for cmd in ("next", "status"):
        mods = imported_by(project, cmd)
        assert not [m for m in mods for h in HEAVY if m == h or m.startswith(h + ".")], cmd


def test_run_imports_assembly_but_not_validation_models(cli, project):
    cli("--root", project, "next")
    mods = imported_by(project, "run", "create-vision", "--preview")
    assert "cadence.core.assemble" in mods
    assert not any(m.startswith(("pydantic", "ruamel", "mcp")) for m in mods)
