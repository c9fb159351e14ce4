"""The journal store: one spread per trade, sessions, honest rows, and room for other stores."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import ValidationError

from tests.support.journal_factory import START, close_for_pnl, journal_trades, new_trade
from utils.core.sqlite_store import JOURNAL_FILE_NAME, journal_path
from utils.journal.store import Journal
from utils.journal.frames import TRADES_FRAME_COLUMNS
from utils.journal.risk import Structure
from utils.journal.errors import JournalError
from utils.journal.risk import TradeLeg
from utils.journal.trade import CloseReason, Mode, NewTrade, TradeClose, TradeStatus
from utils.journal.schema import JOURNAL_COMPONENT, JOURNAL_MIGRATIONS
from utils.spreads.legs import PriceEffect
from utils.core.sqlite_store import SchemaError, connect, ensure_schema, schema_version

UTC = timezone.utc


@pytest.fixture
def journal(tmp_path):
    with Journal.open(tmp_path) as opened:
        yield opened


def test_journal_file_lives_in_data_dir_and_creates_folders(tmp_path):
    data_dir = tmp_path / "nested" / "data"
    with Journal.open(data_dir) as journal:
        assert journal.path == data_dir / JOURNAL_FILE_NAME == journal_path(data_dir)
    assert (data_dir / JOURNAL_FILE_NAME).is_file()


def test_database_runs_in_wal_mode_with_foreign_keys_on(journal):
    conn = journal.connect()
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        conn.close()


def test_schema_version_is_recorded_and_reopening_does_not_migrate_again(tmp_path):
    Journal.open(tmp_path).close()
    conn = connect(journal_path(tmp_path))
    try:
        assert schema_version(conn, JOURNAL_COMPONENT) == len(JOURNAL_MIGRATIONS)
        applied = conn.execute("SELECT applied_at FROM schema_version").fetchone()
        Journal.open(tmp_path).close()
        assert conn.execute("SELECT applied_at FROM schema_version").fetchone() == applied
    finally:
        conn.close()


def test_a_newer_schema_is_refused_rather_than_guessed(tmp_path):
    Journal.open(tmp_path).close()
    conn = connect(journal_path(tmp_path))
    conn.execute("UPDATE schema_version SET version = 99 WHERE component = 'journal'")
    conn.close()
    with pytest.raises(SchemaError, match="schema version 99"):
        Journal.open(tmp_path)


def test_another_store_adds_its_own_versioned_tables_to_the_same_file(journal):
    migrations = (
        "CREATE TABLE latch (id INTEGER PRIMARY KEY, reason TEXT NOT NULL);",
        "ALTER TABLE latch ADD COLUMN cleared_at TEXT;",
    )
    conn = journal.connect()
    try:
        assert ensure_schema(conn, "latch", migrations[:1]) == 1
        assert ensure_schema(conn, "latch", migrations) == 2
        conn.execute("INSERT INTO latch (reason, cleared_at) VALUES ('test', NULL)")
        versions = dict(conn.execute("SELECT component, version FROM schema_version"))
    finally:
        conn.close()
    assert versions == {"journal": len(JOURNAL_MIGRATIONS), "latch": 2}


def test_a_failing_migration_leaves_the_previous_version_intact(journal):
    conn = journal.connect()
    try:
        ensure_schema(conn, "halt", ("CREATE TABLE halt (id INTEGER PRIMARY KEY);",))
        broken = (
            "CREATE TABLE halt (id INTEGER PRIMARY KEY);",
            "CREATE TABLE halt_reason (id INTEGER); INSERT INTO nowhere VALUES (1);",
        )
        with pytest.raises(sqlite3.OperationalError, match="nowhere"):
            ensure_schema(conn, "halt", broken)
        assert schema_version(conn, "halt") == 1
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        assert "halt_reason" not in tables
    finally:
        conn.close()


def test_manual_entry_opens_then_closes_one_spread_with_net_pnl_and_r(journal):
    opened = journal.open_trade(new_trade(open_fees_usd=Decimal("2.28"), tags=("earnings",)))
    assert opened.status is TradeStatus.OPEN
    assert opened.max_loss_usd == Decimal("500.00") and opened.max_profit_usd == Decimal("500")
    assert opened.structure is Structure.VERTICAL and len(opened.legs) == 2
    close = TradeClose(
        closed_at=START + timedelta(days=2),
        exit_price=Decimal("2.00"),
        exit_effect="debit",
        close_fees_usd=Decimal("0.28"),
        close_reason=CloseReason.PROFIT_TARGET,
        followed_plan=True,
    )
    closed = journal.close_trade(opened.id, close)
    # 100 x 1 x (5.00 - 2.00) - (2.28 + 0.28) = 297.44
    assert closed.net_pnl_usd == Decimal("297.44")
    assert closed.fees_usd == Decimal("2.56")
    assert closed.r_multiple == Decimal("297.44") / Decimal(500)
    assert closed.followed_plan is True and closed.close_reason is CloseReason.PROFIT_TARGET
    assert closed.tags == ("earnings",)


def test_max_loss_and_profit_come_from_the_legs_and_must_agree_when_given():
    assert new_trade(max_loss_usd=Decimal("500")).max_loss_usd == Decimal("500.00")
    with pytest.raises(ValidationError, match="max_loss_usd 450.00 does not match"):
        new_trade(max_loss_usd=Decimal("450"))
    condor = new_trade(structure="iron_condor", quantity=3)
    assert condor.max_loss_usd == Decimal("1500.00") and condor.quantity == 3


def test_structure_must_match_the_legs():
    with pytest.raises(ValidationError, match="form a bull put credit"):
        NewTrade(**{**new_trade().model_dump(), "structure": "iron_condor"})


def test_a_leg_list_that_is_not_defined_risk_is_refused():
    data = new_trade().model_dump()
    data["legs"] = [
        {**data["legs"][0], "quantity": 2},
        {**data["legs"][1], "quantity": 1},
    ]
    data["quantity"] = 1
    with pytest.raises(ValidationError, match="Uncovered short"):
        NewTrade(**data)


def on_underlying(leg: dict, root: str) -> dict:
    """The same leg on another underlying: OCC roots are padded to six characters."""
    return {**leg, "occ_symbol": root.ljust(6) + leg["occ_symbol"][6:]}


def test_legs_on_two_underlyings_are_refused():
    data = new_trade(underlying="SPY").model_dump()
    data["legs"] = [data["legs"][0], on_underlying(data["legs"][1], "QQQ")]
    with pytest.raises(ValidationError, match=r"legs span underlyings \['QQQ', 'SPY'\]"):
        NewTrade(**data)


def test_legs_on_another_underlying_than_the_trade_are_refused():
    data = new_trade(underlying="SPY").model_dump()
    data["legs"] = [on_underlying(leg, "QQQ") for leg in data["legs"]]
    with pytest.raises(ValidationError, match="the legs are on QQQ, the trade's underlying is SPY"):
        NewTrade(**data)


def test_an_spxw_leg_is_on_spx():
    data = new_trade(underlying="SPX").model_dump()
    data["legs"] = [on_underlying(leg, "SPXW") for leg in data["legs"]]
    assert NewTrade(**data).max_loss_usd == Decimal("500.00")


def test_negative_opening_or_closing_fees_are_refused():
    with pytest.raises(ValidationError, match="a fee is a cost"):
        new_trade(open_fees_usd=Decimal("-5"))
    with pytest.raises(ValidationError, match="a fee is a cost"):
        TradeClose(
            closed_at=START,
            exit_price=Decimal("1.00"),
            exit_effect=PriceEffect.DEBIT,
            close_fees_usd=Decimal("-0.01"),
            close_reason=CloseReason.CLOSING_ORDER,
        )


def test_a_single_leg_is_not_a_spread():
    data = new_trade().model_dump()
    data["legs"] = data["legs"][:1]
    with pytest.raises(ValidationError, match="at least 2 items"):
        NewTrade(**data)


def test_a_credit_at_or_beyond_the_width_is_refused_as_a_data_error():
    with pytest.raises(ValidationError, match="at or beyond the spread's width"):
        NewTrade(**{**new_trade().model_dump(), "entry_price": Decimal("10.00")})


def test_a_naive_timestamp_is_refused():
    with pytest.raises(ValidationError, match="timezone"):
        NewTrade(**{**new_trade().model_dump(), "opened_at": datetime(2025, 1, 6, 10)})


def test_leg_fields_must_agree_with_the_occ_symbol():
    with pytest.raises(ValidationError, match="strike '95' disagrees"):
        TradeLeg(occ_symbol="SPY   250117P00450000", strike="95", action="Buy to Open", quantity=1)
    leg = TradeLeg(occ_symbol="spy250117p00450000", action="SELL_TO_OPEN", quantity=1)
    assert leg.occ_symbol == "SPY   250117P00450000" and leg.strike == Decimal(450)


def test_a_trade_cannot_be_closed_twice_or_before_it_opened(journal):
    trade = journal.open_trade(new_trade())
    with pytest.raises(JournalError, match="before it opened"):
        journal.close_trade(trade.id, close_for_pnl(trade, 10, START - timedelta(hours=1)))
    journal.close_trade(trade.id, close_for_pnl(trade, 10, START + timedelta(hours=1)))
    with pytest.raises(JournalError, match="already closed"):
        journal.close_trade(trade.id, close_for_pnl(trade, 99, START + timedelta(hours=2)))
    assert journal.get_trade(trade.id).net_pnl_usd == Decimal("10.00")


def test_unknown_trade_gives_a_clear_error(journal):
    with pytest.raises(JournalError, match="no trade 42"):
        journal.add_note(42, "hello")


def test_journal_rows_cannot_be_deleted_or_rewritten_even_with_raw_sql(journal):
    trade = journal_trades(journal, [120])[0]
    conn = journal.connect()
    try:
        for statement in (
            "DELETE FROM trades",
            "UPDATE trades SET max_loss_cents = 1",
            "UPDATE trades SET net_pnl_cents = 999999",
            "DELETE FROM trade_legs",
            "DELETE FROM journal_events",
        ):
            with pytest.raises(sqlite3.IntegrityError):
                conn.execute(statement)
    finally:
        conn.close()
    assert journal.get_trade(trade.id) == trade


def test_followed_plan_is_answered_at_the_close_once_as_a_review(journal):
    trade = journal.open_trade(new_trade())
    close = close_for_pnl(trade, -40, START + timedelta(days=1)).model_copy(
        update={"followed_plan": False}
    )
    assert journal.close_trade(trade.id, close).followed_plan is False
    sessions = journal.sessions_frame().set_index("session")
    assert sessions.loc[date(2025, 1, 7), "reviews"] == 1
    conn = journal.connect()
    try:
        with pytest.raises(sqlite3.IntegrityError, match="given once"):
            conn.execute("UPDATE trades SET followed_plan = 1 WHERE id = ?", (trade.id,))
    finally:
        conn.close()
    assert journal.get_trade(trade.id).followed_plan is False


def test_tags_mistakes_and_notes_are_kept_with_their_time(journal):
    trade = journal.open_trade(new_trade())
    at = START + timedelta(hours=3)
    journal.add_tag(trade.id, "high-iv", at=at)
    journal.add_mistake(trade.id, "moved stop", at=at)
    journal.add_mistake(trade.id, "moved stop", at=at)
    updated = journal.add_note(trade.id, "Held through CPI, against plan.", at=at)
    assert updated.tags == ("high-iv",)
    assert updated.mistakes == ("moved stop",)
    assert [(n.at, n.text) for n in updated.notes] == [(at, "Held through CPI, against plan.")]
    with pytest.raises(JournalError, match="contains ';'"):
        journal.add_tag(trade.id, "a;b")
    with pytest.raises(JournalError, match="at least 1 character"):
        journal.add_note(trade.id, "")


def test_trade_belongs_to_the_new_york_session_of_its_open_near_midnight_utc(journal):
    # 2025-03-11 03:30 UTC is 23:30 on Monday 10 March in New York (EDT began on the 9th).
    late = datetime(2025, 3, 11, 3, 30, tzinfo=UTC)
    trade = journal.open_trade(new_trade(opened_at=late))
    assert trade.session == date(2025, 3, 10)
    # Closes 2025-11-04 04:30 UTC = 23:30 on Monday 3 November (EST, after the fall change).
    closed = journal.close_trade(
        trade.id, close_for_pnl(trade, 50, datetime(2025, 11, 4, 4, 30, tzinfo=UTC))
    )
    assert closed.close_session == date(2025, 11, 3)
    frame = journal.trades_frame()
    assert frame.loc[0, "session"] == date(2025, 3, 10)
    assert frame.loc[0, "close_session"] == date(2025, 11, 3)


def test_a_weekend_open_and_close_belong_to_the_next_sessions(journal):
    saturday = datetime(2025, 3, 8, 15, 0, tzinfo=UTC)
    trade = journal.open_trade(new_trade(opened_at=saturday))
    assert trade.session == date(2025, 3, 10)
    good_friday = datetime(2025, 4, 18, 15, 0, tzinfo=UTC)
    closed = journal.close_trade(trade.id, close_for_pnl(trade, 50, good_friday))
    assert closed.close_session == date(2025, 4, 21)
    assert journal.journaled_sessions() == [date(2025, 3, 10), date(2025, 4, 21)]


def test_trades_frame_has_one_row_per_spread_with_documented_columns(journal):
    closed = journal_trades(journal, [100, -50])
    still_open = journal.open_trade(new_trade(structure="iron_condor", underlying="IWM"))
    journal.add_mistake(closed[1].id, "revenge")
    frame = journal.trades_frame()
    assert tuple(frame.columns) == TRADES_FRAME_COLUMNS
    assert list(frame["id"]) == [closed[0].id, closed[1].id, still_open.id]
    assert list(frame["status"]) == ["closed", "closed", "open"]
    assert list(frame["net_pnl_usd"].iloc[:2]) == [100.0, -50.0]
    assert list(frame["net_pnl_cents"].iloc[:2]) == [10000, -5000]
    assert frame["r_multiple"].iloc[0] == pytest.approx(0.2)
    assert frame.loc[1, "mistakes"] == ("revenge",)
    assert frame.loc[2, "structure"] == "iron_condor"
    assert frame["max_loss_usd"].tolist() == [500.0, 500.0, 500.0]
    assert len(journal.trades_frame(status=TradeStatus.OPEN)) == 1
    assert len(journal.trades_frame(modes=[Mode.LIVE])) == 0


def test_empty_journal_gives_empty_frames_with_columns(journal):
    assert tuple(journal.trades_frame().columns) == TRADES_FRAME_COLUMNS
    assert journal.trades_frame().empty
    assert journal.sessions_frame().empty
    assert "actions" in journal.sessions_frame().columns


def test_sessions_frame_counts_journaled_actions_per_new_york_day(journal):
    trade = journal.open_trade(new_trade())  # Monday 6 January
    journal.add_note(trade.id, "plan: 50% target", at=START + timedelta(minutes=5))
    journal.close_trade(trade.id, close_for_pnl(trade, 75, START + timedelta(days=1)))
    sessions = journal.sessions_frame()
    assert list(sessions["session"]) == [date(2025, 1, 6), date(2025, 1, 7)]
    assert list(sessions["actions"]) == [2, 1]
    assert list(sessions["opened"]) == [1, 0] and list(sessions["closed"]) == [0, 1]
    assert list(sessions["net_pnl_usd"]) == [0.0, 75.0]
    assert sessions.loc[1, "trade_ids"] == (trade.id,)


def test_list_trades_filters_by_status_and_mode(journal):
    journal_trades(journal, [10], mode=Mode.SANDBOX)
    journal.open_trade(new_trade(mode=Mode.LIVE))
    assert [t.mode for t in journal.list_trades()] == [Mode.SANDBOX, Mode.LIVE]
    assert [t.status for t in journal.list_trades(status=TradeStatus.OPEN)] == [TradeStatus.OPEN]
    assert len(journal.list_trades(modes=[Mode.SIM])) == 0


def test_roll_links_the_new_spread_to_its_parent(journal):
    parent = journal_trades(journal, [-40])[0]
    child = journal.open_trade(new_trade(opened_at=START + timedelta(days=2), parent_id=parent.id))
    assert child.parent_id == parent.id and child.parent_uid == parent.uid
    with pytest.raises(JournalError, match="no trade 999"):
        journal.open_trade(new_trade(parent_id=999))


def test_a_duplicate_uid_is_refused(journal):
    journal.open_trade(new_trade(uid="mine-1"))
    with pytest.raises(JournalError, match="already in the journal"):
        journal.open_trade(new_trade(uid="mine-1"))
    assert len(journal.list_trades()) == 1


def test_writes_from_several_threads_are_serialised(journal):
    errors = []

    def write(offset: int) -> None:
        try:
            journal_trades(journal, [offset] * 5, start=START + timedelta(days=offset))
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(journal.list_trades(status=TradeStatus.CLOSED)) == 20


def test_debit_spread_pnl_uses_the_signed_prices(journal):
    legs = (
        TradeLeg(occ_symbol="SPY   250321C00580000", action="Buy to Open", quantity=2),
        TradeLeg(occ_symbol="SPY   250321C00585000", action="Sell to Open", quantity=2),
    )
    trade = journal.open_trade(
        NewTrade(
            structure="vertical",
            underlying="SPY",
            legs=legs,
            quantity=2,
            opened_at=START,
            entry_price=Decimal("2.10"),
            entry_effect=PriceEffect.DEBIT,
            mode=Mode.SIM,
        )
    )
    assert trade.max_loss_usd == Decimal("420.00")  # 2.10 x 100 x 2
    assert trade.max_profit_usd == Decimal("580.00")  # (5 - 2.10) x 100 x 2
    closed = journal.close_trade(
        trade.id,
        TradeClose(
            closed_at=START + timedelta(days=1), exit_price=Decimal("3.00"), exit_effect="Credit"
        ),
    )
    assert closed.net_pnl_usd == Decimal("180.00")  # 100 x 2 x (-2.10 + 3.00)
