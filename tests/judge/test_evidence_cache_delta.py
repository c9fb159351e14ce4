"""A refresh after a change reads the journal on from the previous reading's judging read: only
the trades changed or added are read (the closed trades and the discipline's entry figures of
the trades before are kept), and the evidence equals a fresh `gather_evidence`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.judge.test_evidence_cache import NOW, Clock, Rig, assert_same_evidence, fresh
from tests.support.journal_factory import close_for_pnl, new_trade
from utils.journal import judging_read
from utils.journal.store import Journal
from utils.judge import closed_delta, discipline_history
from utils.judge.metrics import closed_from_judging


def whole_read_refused(conn, journal):
    raise AssertionError("the whole journal was read again")


@pytest.fixture
def rig(tmp_path):
    made = Rig(tmp_path, Clock(NOW))
    yield made
    made.close()


def test_a_refresh_after_one_new_trade_reads_only_what_changed(rig, monkeypatch):
    before = rig.evidence()
    with Journal.open(rig.settings.data_dir) as other:  # the command line, another process
        trade = other.open_trade(new_trade(opened_at=NOW - timedelta(hours=2)))
        other.close_trade(trade.id, close_for_pnl(trade, "-400", NOW - timedelta(hours=1)))
        other.add_mistake(3, "late")
    with monkeypatch.context() as patched:
        patched.setattr(judging_read, "read_judging", whole_read_refused)
        after = rig.evidence()
    assert after is not before and len(after.frame) == len(before.frame) + 1
    assert after.metrics.trades == before.metrics.trades + 1
    assert_same_evidence(after, fresh(rig))


def test_a_write_outside_the_trades_reuses_the_judging_frame(rig):
    before = rig.evidence()
    rig.journal.add_tag(2, "earnings")  # a new reading, the same judging frame
    after = rig.evidence()
    assert after is not before and after.frame is before.frame
    assert_same_evidence(after, fresh(rig))


def test_the_broker_guard_reading_reads_the_whole_journal(rig, monkeypatch):
    """`gather_evidence` without a judging frame (the guard's fresh reading) reads it whole."""
    rig.evidence()
    monkeypatch.setattr(judging_read, "read_judging", whole_read_refused)
    with pytest.raises(AssertionError, match="read again"):
        fresh(rig)


def test_a_refresh_after_new_trades_keeps_the_closed_trades_and_entry_figures(rig, monkeypatch):
    """Neither the closed trades nor the discipline's entry sweep are worked out whole again."""
    before = rig.evidence()
    with Journal.open(rig.settings.data_dir) as other:
        trade = other.open_trade(new_trade(opened_at=NOW - timedelta(hours=2)))
        other.close_trade(trade.id, close_for_pnl(trade, "-400", NOW - timedelta(hours=1)))
        other.open_trade(new_trade(opened_at=NOW - timedelta(minutes=30)))

    def only_the_new_rows(frame):
        assert len(frame) < len(before.frame), "the closed trades were taken whole again"
        return closed_from_judging(frame)

    def no_whole_sweep(*args):
        raise AssertionError("the entry figures were swept whole again")

    with monkeypatch.context() as patched:
        patched.setattr(closed_delta, "closed_from_judging", only_the_new_rows)
        patched.setattr(discipline_history, "closed_by_entry", no_whole_sweep)
        after = rig.evidence()
    assert len(after.frame) == len(before.frame) + 2 and len(after.closed) == len(before.closed) + 1
    assert_same_evidence(after, fresh(rig))
