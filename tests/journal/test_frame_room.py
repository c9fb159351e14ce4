"""Rows appended into a frame's room are exactly the frame and the rows end to end, and no frame
already made ever changes: whichever frame is grown, how often, in whatever order (a frame
grown twice, or an older frame grown after a newer one, copies instead of writing over rows a
frame shows)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from utils.journal.frame_room import appended


def frame_of(values: list[tuple[int, int | None, bool | None, str, int | None]]) -> pd.DataFrame:
    """A frame with the judging frame's kinds of columns: integers, nullable integers and
    booleans, texts, UTC instants (with NaT)."""
    return pd.DataFrame(
        {
            "id": pd.Series([v[0] for v in values], dtype="int64"),
            "net": pd.Series([v[1] for v in values], dtype="Int64"),
            "followed": pd.Series([v[2] for v in values], dtype="boolean"),
            "family": pd.Series([v[3] for v in values], dtype=object),
            "closed_at": pd.Series(
                pd.to_datetime([v[4] for v in values], unit="s", utc=True),
                dtype="datetime64[ns, UTC]",
            ),
        }
    )


ROW = st.tuples(
    st.integers(0, 10**6),
    st.none() | st.integers(-(10**6), 10**6),
    st.none() | st.booleans(),
    st.sampled_from(["SPY", "QQQ", "IWM"]),
    st.none() | st.integers(0, 2 * 10**9),
)


@settings(max_examples=150, deadline=None)
@given(
    first=st.lists(ROW, max_size=70),
    steps=st.lists(st.tuples(st.integers(0, 10**6), st.lists(ROW, max_size=40)), max_size=8),
)
def test_appended_frames_are_the_rows_end_to_end_and_never_change(first, steps):
    made = [(frame_of(first), None)]
    shown = [made[0][0].copy(deep=True)]
    for pick, rows in steps:
        frame, room = made[pick % len(made)]
        grown, grown_room = appended(frame, frame_of(rows), room)
        expected = pd.concat([frame, frame_of(rows)], ignore_index=True)
        pd.testing.assert_frame_equal(grown, expected)
        made.append((grown, grown_room))
        shown.append(grown.copy(deep=True))
        for (kept, _), copy in zip(made, shown):
            pd.testing.assert_frame_equal(kept, copy)


def test_a_frame_grows_in_place_once():
    frame, room = appended(frame_of([(1, 5, True, "SPY", 10)]), frame_of([]), None)
    assert room is not None
    once, same_room = appended(frame, frame_of([(2, None, None, "QQQ", None)]), room)
    assert same_room is room  # written into the room
    again, other_room = appended(frame, frame_of([(3, -1, False, "IWM", 20)]), room)
    assert other_room is not room  # the room is the first grown frame's now: copied
    assert once["id"].tolist() == [1, 2] and again["id"].tolist() == [1, 3]


def test_columns_of_other_kinds_are_copied_end_to_end():
    texts = {"family": "str"}  # (held apart from numpy: no room)
    frame = frame_of([(1, 5, True, "SPY", 10)]).astype(texts)
    grown, room = appended(frame, frame_of([(2, 7, False, "QQQ", 20)]).astype(texts), None)
    assert room is None
    assert grown["id"].tolist() == [1, 2] and grown["family"].tolist() == ["SPY", "QQQ"]
    assert grown["family"].dtype == frame["family"].dtype
