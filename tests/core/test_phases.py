"""Phase ranges: names or numbers, forwards only."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.core.phases import PHASE_SLUGS, BackwardsRange, parse_phase_range

numbers = st.integers(min_value=0, max_value=len(PHASE_SLUGS) - 1)


@given(numbers, numbers, st.booleans())
def test_a_range_is_read_forwards_and_a_backwards_one_is_refused(a, b, by_name):
    left, right = (PHASE_SLUGS[a], PHASE_SLUGS[b]) if by_name else (str(a), str(b))
    if a <= b:
        assert parse_phase_range(f"{left}-{right}") == list(PHASE_SLUGS[a:b + 1])
    else:
        with pytest.raises(BackwardsRange) as exc:
            parse_phase_range(f"{left}-{right}")
        assert exc.value.turned == f"{right}-{left}" and parse_phase_range(exc.value.turned) == list(
            PHASE_SLUGS[b:a + 1])


@pytest.mark.parametrize("spec", ["", "visoin", "3-", "-3", "99", "1-99", "vision-", "a,b"])
def test_what_names_no_phase_is_a_value_error(spec):
    with pytest.raises(ValueError):
        parse_phase_range(spec)
