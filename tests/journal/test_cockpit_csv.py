"""The journal CSV: documented header, RFC 4180, ISO times, round-trip, and bad files refused."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.bad_numbers import bad_number_texts
from tests.support.journal_factory import START, close_for_pnl, journal_trades, new_trade
from utils.journal.store import Journal
from utils.journal.import_text import DEFAULT_MAX_IMPORT_BYTES
from utils.journal.cockpit_csv import JOURNAL_CSV_COLUMNS, neutralise_formula, restore_formula
from utils.journal.trade import TradeStatus

DOCUMENTED_HEADER = (
    "uid,parent_uid,mode,structure,underlying,quantity,multiplier,legs,opened_at,entry_price,"
    "entry_effect,max_loss_usd,max_profit_usd,open_fees_usd,setup,profit_target_usd,"
    "stop_loss_usd,time_exit_at,tags,broker_order_ids,closed_at,exit_price,exit_effect,"
    "close_fees_usd,fees_usd,net_pnl_usd,close_reason,followed_plan,mistakes,notes,source"
)
INJECTION = "=cmd|' /C calc'!A0"


@pytest.fixture
def journal(tmp_path):
    with Journal.open(tmp_path / "source") as opened:
        yield opened


@pytest.fixture
def target(tmp_path):
    with Journal.open(tmp_path / "target") as opened:
        yield opened


def rich_journal(journal: Journal) -> None:
    """Closed, open, rolled, noted and tagged trades with awkward text."""
    parent = journal.open_trade(
        new_trade(
            setup='breakout, "A+" setup\nsecond line',
            tags=("earnings", INJECTION),
            profit_target_usd=Decimal("250.00"),
            stop_loss_usd=Decimal("500.00"),
            time_exit_at=START + timedelta(days=21),
            open_fees_usd=Decimal("2.28"),
            broker_order_ids=("1001",),
        )
    )
    journal.add_note(parent.id, "-5 was my limit; +2 later", at=START + timedelta(hours=1))
    journal.add_mistake(parent.id, "@risk too big", at=START + timedelta(hours=2))
    close = close_for_pnl(parent, "-150.00", START + timedelta(days=3), fees_usd="0.28")
    journal.close_trade(parent.id, close.model_copy(update={"followed_plan": False}))
    journal.open_trade(
        new_trade(
            opened_at=START + timedelta(days=3, minutes=1),
            structure="iron_condor",
            underlying="IWM",
            quantity=2,
            parent_id=parent.id,
            mode="LIVE",
        )
    )


def export_text(journal: Journal, tmp_path: Path) -> str:
    path = tmp_path / "export.csv"
    journal.export_journal_csv(path)
    return path.read_bytes().decode("utf-8")


def write_csv(tmp_path: Path, rows: list[dict[str, str]], name: str = "in.csv") -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=JOURNAL_CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def good_rows(journal: Journal, tmp_path: Path) -> list[dict[str, str]]:
    journal_trades(journal, [100, -50, 25])
    return list(csv.DictReader(io.StringIO(export_text(journal, tmp_path))))


def test_header_is_the_documented_one():
    assert ",".join(JOURNAL_CSV_COLUMNS) == DOCUMENTED_HEADER


def test_export_then_import_round_trips_every_field(journal, target, tmp_path):
    rich_journal(journal)
    path = tmp_path / "journal.csv"
    assert journal.export_journal_csv(path) == 2
    report = target.import_journal_csv(path)
    assert report.committed and report.added == 2, report.errors
    mapping = {t.uid: t for t in target.list_trades()}
    for original in journal.list_trades():
        copy = mapping[original.uid]
        assert copy.model_dump(exclude={"id", "parent_id"}) == original.model_dump(
            exclude={"id", "parent_id"}
        )
    child = next(t for t in target.list_trades() if t.parent_uid)
    assert child.parent_id == mapping[child.parent_uid].id


def test_export_is_rfc4180_with_crlf_and_quoted_text(journal, tmp_path):
    rich_journal(journal)
    raw = export_text(journal, tmp_path)
    assert raw.startswith(DOCUMENTED_HEADER + "\r\n")
    assert '"breakout, ""A+"" setup\nsecond line"' in raw
    rows = list(csv.DictReader(io.StringIO(raw)))
    assert rows[0]["setup"] == 'breakout, "A+" setup\nsecond line'


def test_timestamps_are_iso_8601_with_offset(journal, tmp_path):
    rich_journal(journal)
    row = next(csv.DictReader(io.StringIO(export_text(journal, tmp_path))))
    assert row["opened_at"] == "2025-01-06T15:00:00+00:00"
    assert row["closed_at"] == "2025-01-09T15:00:00+00:00"
    assert row["time_exit_at"] == "2025-01-27T15:00:00+00:00"


def test_formula_injection_is_neutralised_in_text_columns_only(journal, tmp_path):
    rich_journal(journal)
    row = next(csv.DictReader(io.StringIO(export_text(journal, tmp_path))))
    assert row["tags"] == "earnings;" + INJECTION  # starts with 'e': nothing to neutralise
    assert row["mistakes"] == "'@risk too big"
    assert row["net_pnl_usd"] == "-150.00"  # a negative number stays a number
    assert row["open_fees_usd"] == "2.28"
    assert json.loads(row["notes"])[0]["text"] == "-5 was my limit; +2 later"


def test_a_text_cell_starting_with_a_formula_is_prefixed_and_restored(journal, target, tmp_path):
    journal.open_trade(new_trade(setup=INJECTION, tags=("+1R",)))
    path = tmp_path / "j.csv"
    journal.export_journal_csv(path)
    row = next(csv.DictReader(path.open(encoding="utf-8", newline="")))
    assert row["setup"] == "'" + INJECTION and row["tags"] == "'+1R"
    assert target.import_journal_csv(path).added == 1
    (copy,) = target.list_trades()
    assert copy.setup == INJECTION and copy.tags == ("+1R",)


@settings(deadline=None)
@given(st.text(alphabet=st.sampled_from(list("'=+-@\t\rab, \"")), max_size=12))
def test_neutralising_text_is_reversible_and_never_leaves_a_formula(text):
    neutral = neutralise_formula(text)
    assert restore_formula(neutral) == text
    assert not neutral.startswith(("=", "+", "-", "@", "\t", "\r"))


@settings(max_examples=25)
@given(
    setup=st.text(min_size=1, max_size=40).filter(lambda s: "\x00" not in s),
    pnl_cents=st.integers(min_value=-50_000, max_value=50_000),
)
def test_any_setup_text_and_pnl_round_trip(tmp_path_factory, setup, pnl_cents):
    folder = tmp_path_factory.mktemp("rt")
    with Journal.open(folder / "a") as source, Journal.open(folder / "b") as copy:
        trade = source.open_trade(new_trade(setup=setup))
        pnl = Decimal(pnl_cents).scaleb(-2)
        source.close_trade(trade.id, close_for_pnl(trade, pnl, START + timedelta(days=1)))
        source.export_journal_csv(folder / "x.csv")
        assert copy.import_journal_csv(folder / "x.csv").added == 1
        (imported,) = copy.list_trades()
    assert trade.setup == (setup.strip() or None)  # the journal keeps setup text trimmed
    assert imported.setup == trade.setup and imported.net_pnl_usd == pnl


def test_importing_the_same_file_twice_adds_nothing(journal, target, tmp_path):
    rows = good_rows(journal, tmp_path)
    path = write_csv(tmp_path, rows)
    assert target.import_journal_csv(path).added == 3
    again = target.import_journal_csv(path)
    assert again.committed and again.added == 0 and again.skipped_duplicates == 3
    assert len(target.list_trades()) == 3


def test_reimport_closes_a_trade_that_was_open_when_first_imported(journal, target, tmp_path):
    trade = journal.open_trade(new_trade())
    journal.export_journal_csv(tmp_path / "open.csv")
    journal.close_trade(trade.id, close_for_pnl(trade, 40, START + timedelta(days=1)))
    journal.export_journal_csv(tmp_path / "closed.csv")
    assert target.import_journal_csv(tmp_path / "open.csv").added == 1
    report = target.import_journal_csv(tmp_path / "closed.csv")
    assert report.closed == 1 and report.added == 0
    assert target.list_trades()[0].net_pnl_usd == Decimal("40.00")


def on_qqq(leg: dict[str, str]) -> dict[str, str]:
    """The same leg written on QQQ instead of SPY."""
    return {**leg, "occ_symbol": "QQQ" + leg["occ_symbol"][3:]}


def bad_cases(rows: list[dict[str, str]]) -> dict[str, tuple[dict[str, str], str, str]]:
    """name -> (row, field, message fragment)."""
    first = rows[1]
    legs = json.loads(first["legs"])
    return {
        "bad date": ({**first, "opened_at": "06/01/2025 10:00"}, "opened_at", "ISO-8601"),
        "no offset": ({**first, "opened_at": "2025-01-06T10:00:00"}, "opened_at", "no UTC"),
        "money text": ({**first, "max_loss_usd": "five hundred"}, "max_loss_usd", "not a number"),
        "underscore": ({**first, "open_fees_usd": "2_2.28"}, "open_fees_usd", "underscores"),
        "comma decimal": ({**first, "entry_price": "5,00"}, "entry_price", "groups of three"),
        "negative fees": ({**first, "open_fees_usd": "-5"}, "open_fees_usd", "a fee is a cost"),
        "huge quantity": ({**first, "quantity": "9" * 40}, "quantity", "at most 12 digits"),
        "year 1": ({**first, "opened_at": "0001-01-01T00:00:00+00:00"}, "opened_at", "1970"),
        "year 9999": ({**first, "closed_at": "9999-12-31T23:59:59-05:00"}, "closed_at", "2999"),
        "structure": ({**first, "structure": "strangle"}, "structure", "Input should be"),
        "naked leg": (
            {**first, "legs": json.dumps(legs[:1]), "uid": "x1"},
            "legs",
            "not a defined-risk spread: Uncovered short",
        ),
        "uncovered": (
            {**first, "legs": json.dumps([{**legs[0], "quantity": 2}, legs[1]]), "uid": "x2"},
            "legs",
            "Uncovered short",
        ),
        "pnl": ({**first, "net_pnl_usd": "999.00", "uid": "x3"}, "net_pnl_usd", "is 999.00 but"),
        "two underlyings": (
            {**first, "legs": json.dumps([legs[0], on_qqq(legs[1])]), "uid": "x4"},
            "legs",
            "legs span underlyings ['QQQ', 'SPY']",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "bad date",
        "no offset",
        "money text",
        "underscore",
        "comma decimal",
        "negative fees",
        "huge quantity",
        "year 1",
        "year 9999",
        "structure",
        "naked leg",
        "uncovered",
        "pnl",
        "two underlyings",
    ],
)
def test_a_file_with_a_bad_row_imports_nothing_and_names_line_and_field(
    journal, target, tmp_path, case
):
    rows = good_rows(journal, tmp_path)
    bad_row, field, fragment = bad_cases(rows)[case]
    path = write_csv(tmp_path, [rows[0], bad_row, rows[2]])
    report = target.import_journal_csv(path)
    assert not report.committed and report.added == 0
    assert target.list_trades() == []
    (issue,) = report.errors
    assert issue.line == 3 and issue.field == field and fragment in issue.message, issue


def test_every_bad_row_is_reported_not_just_the_first(journal, target, tmp_path):
    rows = good_rows(journal, tmp_path)
    path = write_csv(
        tmp_path,
        [
            {**rows[0], "opened_at": "yesterday"},
            rows[1],
            {**rows[2], "exit_price": "abc", "mode": "PAPER"},
        ],
    )
    report = target.import_journal_csv(path)
    found = sorted((issue.line, issue.field) for issue in report.errors)
    assert found == [(2, "opened_at"), (4, "exit_price"), (4, "mode")]
    assert target.list_trades() == []


def test_skip_bad_imports_the_good_rows_and_lists_the_bad_ones(journal, target, tmp_path):
    rows = good_rows(journal, tmp_path)
    path = write_csv(tmp_path, [rows[0], {**rows[1], "quantity": "one"}, rows[2]])
    report = target.import_journal_csv(path, skip_bad=True)
    assert report.committed and report.added == 2 and report.skipped_bad == 1
    assert [(e.line, e.field) for e in report.errors] == [(3, "quantity")]


def test_duplicate_rows_in_one_file_are_refused(journal, target, tmp_path):
    rows = good_rows(journal, tmp_path)
    report = target.import_journal_csv(write_csv(tmp_path, [rows[0], rows[1], rows[0]]))
    assert not report.committed
    (issue,) = report.errors
    assert issue.line == 4 and issue.field == "uid" and "line 2" in issue.message


def test_wrong_header_names_the_missing_and_unknown_columns(target, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text(DOCUMENTED_HEADER.replace("net_pnl_usd", "pnl") + "\r\n", encoding="utf-8")
    report = target.import_journal_csv(path)
    assert not report.committed
    messages = " | ".join(issue.message for issue in report.errors)
    assert "missing column(s): net_pnl_usd" in messages and "unknown column(s): pnl" in messages


def test_missing_cells_on_a_row_are_reported(journal, target, tmp_path):
    good_rows(journal, tmp_path)
    text = export_text(journal, tmp_path).split("\r\n")
    path = tmp_path / "short.csv"
    path.write_text("\r\n".join([text[0], "abc,SIM,vertical", ""]), encoding="utf-8")
    report = target.import_journal_csv(path)
    assert report.errors[0].line == 2 and "3 cells" in report.errors[0].message


def test_an_empty_file_is_refused_clearly(target, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    report = target.import_journal_csv(path)
    assert not report.committed and "empty" in report.errors[0].message


def test_non_utf8_bytes_are_refused_with_the_line(journal, target, tmp_path):
    rows = good_rows(journal, tmp_path)
    path = write_csv(tmp_path, rows)
    data = path.read_bytes().replace(b"SIM", b"S\xe9M", 1)
    path.write_bytes(data)
    report = target.import_journal_csv(path)
    assert not report.committed
    assert report.errors[0].line == 2 and "not UTF-8" in report.errors[0].message


def test_a_50_mb_file_is_refused_with_a_clear_message_before_reading(target, tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as stream:
        stream.write(DOCUMENTED_HEADER.encode() + b"\r\n")
        stream.truncate(50 * 1024 * 1024)
    assert DEFAULT_MAX_IMPORT_BYTES < path.stat().st_size
    report = target.import_journal_csv(path)
    assert not report.committed and report.added == 0
    assert "50.0 MB, over the 25 MB import limit" in report.errors[0].message
    assert target.list_trades() == []


def test_the_size_limit_can_be_raised_for_one_import(journal, target, tmp_path):
    path = write_csv(tmp_path, good_rows(journal, tmp_path))
    assert not target.import_journal_csv(path, max_bytes=100).committed
    assert target.import_journal_csv(path, max_bytes=10_000_000).added == 3


def test_a_parent_missing_from_file_and_journal_is_reported(journal, target, tmp_path):
    rows = good_rows(journal, tmp_path)
    path = write_csv(tmp_path, [rows[0], {**rows[1], "parent_uid": "ghost"}])
    report = target.import_journal_csv(path)
    assert not report.committed and target.list_trades() == []
    assert (report.errors[0].line, report.errors[0].field) == (3, "parent_uid")


def test_an_open_trade_row_cannot_carry_a_pnl(journal, target, tmp_path):
    journal.open_trade(new_trade())
    row = next(csv.DictReader(io.StringIO(export_text(journal, tmp_path))))
    report = target.import_journal_csv(write_csv(tmp_path, [{**row, "net_pnl_usd": "10.00"}]))
    assert report.errors[0].field == "net_pnl_usd"
    assert target.list_trades(status=TradeStatus.OPEN) == []


def test_a_close_that_contradicts_the_journal_is_reported_not_half_applied(
    journal, target, tmp_path
):
    trade = journal.open_trade(new_trade())
    journal.export_journal_csv(tmp_path / "open.csv")
    early = close_for_pnl(trade, 40, START + timedelta(days=1))
    journal.close_trade(trade.id, early)
    rows = list(csv.DictReader(io.StringIO(export_text(journal, tmp_path))))
    assert target.import_journal_csv(tmp_path / "open.csv").added == 1
    # the journal's copy opened later than the file says it closed
    with Journal.open(tmp_path / "later") as later:
        later_trade = later.open_trade(
            new_trade(uid=trade.uid, opened_at=START + timedelta(days=2))
        )
        report = later.import_journal_csv(write_csv(tmp_path, rows, "closed.csv"))
        assert not report.committed
        assert "before it opened" in report.errors[0].message and report.errors[0].line == 2
        assert later.get_trade(later_trade.id).status is TradeStatus.OPEN
        skipped = later.import_journal_csv(tmp_path / "closed.csv", skip_bad=True)
        assert skipped.committed and skipped.closed == 0 and skipped.skipped_bad == 1
        assert later.get_trade(later_trade.id).status is TradeStatus.OPEN


@settings(max_examples=40)
@given(
    column=st.sampled_from(
        ["quantity", "multiplier", "entry_price", "max_loss_usd", "open_fees_usd", "exit_price"]
    ),
    text=bad_number_texts(),
)
def test_any_bad_number_cell_is_one_named_error_and_nothing_imported(
    tmp_path_factory, column, text
):
    folder = tmp_path_factory.mktemp("bad")
    with Journal.open(folder / "source") as source, Journal.open(folder / "target") as target:
        rows = good_rows(source, folder)
        path = write_csv(folder, [rows[0], {**rows[1], column: text}, rows[2]])
        report = target.import_journal_csv(path)
        assert not report.committed and report.added == 0 and target.list_trades() == []
    (issue,) = report.errors
    assert (issue.line, issue.field) == (3, column)
    assert issue.message.startswith(f"{text.strip()[:40]!r} is not a number: ")
