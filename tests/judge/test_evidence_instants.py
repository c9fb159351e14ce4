"""The data's instants as a reading sees them: counted up to its time, listed after it, so
how many have passed at any later moment is the count over every instant."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils.judge.evidence_cache import DataInstants

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
TAKEN = 1_700_000_000_000_000  # microseconds since the epoch
offsets = st.integers(min_value=-(10**9), max_value=10**9)
arrays = st.lists(st.lists(offsets, max_size=30), min_size=1, max_size=5)


def moment(microseconds: int) -> datetime:
    return EPOCH + timedelta(microseconds=microseconds)


@settings(deadline=None, max_examples=200)
@given(arrays=arrays, later=st.lists(st.integers(0, 2 * 10**9), min_size=1, max_size=5))
def test_instants_passed_later_are_the_count_over_every_instant(arrays, later):
    columns = [np.array([TAKEN + o for o in offsets_], dtype=np.int64) for offsets_ in arrays]
    instants = DataInstants.split(TAKEN, columns)
    every = np.concatenate(columns)
    assert instants.before == int(np.count_nonzero(every <= TAKEN))
    for step in [0, *later]:
        now = TAKEN + step
        assert instants.passed(moment(now)) == int(np.count_nonzero(every <= now))


def test_instants_are_not_counted_before_the_reading():
    instants = DataInstants.split(TAKEN, [np.array([TAKEN - 5, TAKEN + 5], dtype=np.int64)])
    with pytest.raises(ValueError, match="from the reading's time on"):
        instants.passed(moment(TAKEN - 1))
