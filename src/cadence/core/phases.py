"""The 16 pipeline phases: the single source of truth for their order and names."""

from __future__ import annotations

PHASES: tuple[tuple[str, str], ...] = (
    ("vision", "Product Vision"),
    ("pre", "Product Definition"),
    ("foundation", "Project Foundation"),
    ("environment", "Development Environment"),
    ("integration", "Testing Integration"),
    ("modeling", "Domain Modeling"),
    ("decisions", "Architecture Decisions"),
    ("architecture", "System Architecture"),
    ("specification", "Specifications"),
    ("quality", "Quality Gates"),
    ("parity", "Platform Parity"),
    ("consolidation", "Consolidation"),
    ("planning", "Planning"),
    ("validation", "Validation"),
    ("finalization", "Finalization"),
    ("build", "Build (stateless)"),
)
PHASE_SLUGS = tuple(slug for slug, _ in PHASES)
PHASE_INDEX = {slug: i for i, slug in enumerate(PHASE_SLUGS)}
PHASE_NAMES = dict(PHASES)


def order_in_phase(phase: str, order: int) -> bool:
    """Phase N owns orders N*100 … N*100+99; vision (0) uses 8/16/24, i.e. 0 … 99."""
    n = PHASE_INDEX[phase]
    return n * 100 <= order <= n * 100 + 99


class BackwardsRange(ValueError):
    """A range whose first phase comes after its last ('3-1'): `turned` is the range the right way round."""

    def __init__(self, part: str, turned: str) -> None:
        super().__init__(part)
        self.part, self.turned = part, turned


def parse_phase_range(spec: str) -> list[str]:
    """'architecture', '7', 'pre-quality', '1-9' or 'vision,pre' → phase slugs in pipeline order.
    ValueError(part) for a part that names no phase; BackwardsRange for '3-1'."""
    chosen: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if part in PHASE_INDEX:
            chosen.add(PHASE_INDEX[part])
            continue
        bounds = _split_range(part)
        if bounds is None:
            raise ValueError(part)
        lo, hi = (_phase_number(b) for b in bounds)
        if lo > hi:
            raise BackwardsRange(part, f"{bounds[1]}-{bounds[0]}")
        chosen.update(range(lo, hi + 1))
    if not chosen:
        raise ValueError(spec)
    return [PHASE_SLUGS[i] for i in sorted(chosen)]


def _split_range(part: str) -> tuple[str, str] | None:
    if part.isdigit():
        return part, part
    for i, ch in enumerate(part):
        if ch == "-":
            left, right = part[:i], part[i + 1:]
            if _is_phase_token(left) and _is_phase_token(right):
                return left, right
    return None


def _is_phase_token(tok: str) -> bool:
    return tok in PHASE_INDEX or (tok.isdigit() and 0 <= int(tok) < len(PHASES))


def _phase_number(tok: str) -> int:
    if tok in PHASE_INDEX:
        return PHASE_INDEX[tok]
    n = int(tok)
    if not 0 <= n < len(PHASES):
        raise ValueError(tok)
    return n
