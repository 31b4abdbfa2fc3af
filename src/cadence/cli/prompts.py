"""Minimal interactive prompts (numbered choices); only used when input is allowed and on a TTY."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def choose(question: str, options: Sequence[str], default: str | None = None,
           descriptions: Mapping[str, str] | None = None) -> str:
    """One of `options` by number or name; `descriptions` adds a line of explanation after each option."""
    print(question)
    width = max(len(o) for o in options)
    for i, opt in enumerate(options, 1):
        about = (descriptions or {}).get(opt)
        line = f"  {i}) {opt:<{width}}" + (f"  {about}" if about else "") + ("  (default)" if opt == default else "")
        print(line.rstrip())
    while True:
        raw = input(f"Choose 1-{len(options)}" + (f" [{default}]" if default else "") + ": ").strip()
        if not raw and default is not None:
            return default
        if raw.isdigit() and 1 <= int(raw) <= len(options):
            return options[int(raw) - 1]
        if raw in options:
            return raw
        print("  Please enter one of the numbers or names above.")


def choose_many(question: str, options: Sequence[str], default: Sequence[str]) -> list[str]:
    print(question)
    for i, opt in enumerate(options, 1):
        print(f"  {i}) {opt}{'  (selected)' if opt in default else ''}")
    while True:
        raw = input("Comma-separated numbers or names" + (f" [{','.join(default)}]" if default else " [none]")
                    + ", '-' for none: ").strip()
        if not raw:
            return list(default)
        if raw == "-":
            return []
        picked: list[str] = []
        ok = True
        for part in (p.strip() for p in raw.split(",") if p.strip()):
            if part.isdigit() and 1 <= int(part) <= len(options):
                picked.append(options[int(part) - 1])
            elif part in options:
                picked.append(part)
            else:
                ok = False
        if ok:
            return list(dict.fromkeys(picked))
        print("  Unknown choice; try again.")


def confirm(question: str, default: bool) -> bool:
    raw = input(f"{question} [{'Y/n' if default else 'y/N'}] ").strip().lower()
    return default if not raw else raw in ("y", "yes")


def text(question: str, default: str) -> str:
    raw = input(f"{question} [{default}]: ").strip()
    return raw or default
