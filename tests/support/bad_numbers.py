"""Numbers the one format (`-1,234.56`) refuses, for the importers' property tests."""

from __future__ import annotations

from hypothesis import strategies as st

_WHOLE = st.integers(min_value=0, max_value=999)
_NOT_THREE_DIGITS = st.text("0123456789", min_size=1, max_size=5).filter(lambda d: len(d) != 3)


def bad_number_texts() -> st.SearchStrategy[str]:
    """Misplaced commas, underscores, exponents, parentheses, too many digits and words."""
    return st.one_of(
        st.builds(lambda a, b: f"{a},{b}", _WHOLE, _NOT_THREE_DIGITS),
        st.builds(lambda a, b: f"{a},{b}.00", _WHOLE, _NOT_THREE_DIGITS),
        st.builds(lambda a, b: f"{a}_{b}", _WHOLE, _WHOLE),
        st.builds(lambda a, b: f"{a}e{b}", _WHOLE, st.integers(min_value=-400, max_value=400)),
        st.builds(lambda a: f"({a}.00)", _WHOLE),
        st.builds(lambda n: "9" * n, st.integers(min_value=13, max_value=60)),
        st.sampled_from(["NaN", "Infinity", "lots", "--5", "1.2.3", "+5", "$-5", "1 000"]),
    )
