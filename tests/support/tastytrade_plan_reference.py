"""The tastytrade planner's first, literal rules, kept as an oracle for the fast ones.

`ScanningPlanner` finds the spreads a closing row closes (and the side that holds a contract)
by scanning every spread ever opened, as the importer first shipped it, and validates every
order's opening legs as a trade (no shape proved once per file, `tastytrade_shapes`); the
equivalence tests require its plan to equal `plan_import`'s on generated histories.
`LiteralRowReader` reads every row of an export in full, as the parser first shipped it. Nothing
outside tests/ imports this module.
"""

from __future__ import annotations

from utils.core.money import to_cents
from utils.journal.tastytrade_book import JournalBook
from utils.journal.tastytrade_csv import RowReader, TastyCsv, TastyRow, _parse_row
from utils.journal.tastytrade_plan import _RANK, ImportPlan, _Planner, _share, _Spread
from utils.journal.trade import CloseReason, Mode, NewTrade
from utils.journal.undefined_risk import RiskFlag


class ScanningPlanner(_Planner):
    """The planner with the original scan over every spread for each closing row, validating
    every opening."""

    def proven_opening(self, shape, uid, order_id, opened_at) -> tuple[NewTrade, RiskFlag] | None:
        """No shape is taken as proven: every order is validated."""
        return None

    def close_contracts(
        self,
        row: TastyRow,
        change_sign: int,
        reason: CloseReason,
        value_cents: int,
        *,
        deliver: bool = False,
    ) -> list[_Spread]:
        """Reduce positions in `row.symbol` by row.quantity, oldest spread opened by the row's
        time first (a full scan)."""
        remaining = row.quantity
        shares: list[tuple[_Spread, int]] = []
        for spread in self.spreads:
            held = spread.positions.get(row.symbol, 0)
            if remaining and held * change_sign < 0 and spread.opened_at <= row.executed_at:
                take = min(remaining, abs(held))
                shares.append((spread, take))
                remaining -= take
        untracked = self.untracked.get(row.symbol, 0)
        if remaining and untracked * change_sign < 0:
            absorbed = min(remaining, abs(untracked))
            self.untracked[row.symbol] += change_sign * absorbed
            remaining -= absorbed
        if remaining:
            self.warn(
                row.line,
                f"closes {remaining} x {row.symbol.strip()} but no journaled spread holds it "
                "(opened before this file, or not a spread); that part is ignored",
            )
        fee_cents = to_cents(row.fees)
        for index, (spread, take) in enumerate(shares):
            part_value = _share(value_cents, take, row.quantity)
            part_fees = _share(fee_cents, take, row.quantity)
            self.record_fill(spread, row, index, change_sign * take, part_value, part_fees)
            spread.close_cents += part_value
            spread.close_fees_cents += part_fees
            same_moment = spread.touched and spread.last_at == row.executed_at
            if not same_moment or _RANK.get(reason, 0) > _RANK.get(spread.last_reason, 0):
                spread.last_reason = reason
            spread.touched = True
            spread.last_at = row.executed_at
            if row.order_id and row.order_id not in spread.close_order_ids:
                spread.close_order_ids.append(row.order_id)
            if deliver:
                self.deliver_stock(spread, row, take, index)
        return [spread for spread, _ in shares]

    def position_sign(self, symbol: str) -> int:
        """The sign of the net position in `symbol`, summed over every spread ever opened."""
        total = sum(s.positions.get(symbol, 0) for s in self.spreads)
        total += self.untracked.get(symbol, 0)
        return (total > 0) - (total < 0)


def plan_import_by_scan(parsed: TastyCsv, book: JournalBook, *, mode: Mode) -> ImportPlan:
    """`plan_import` with the scanning planner."""
    fresh = [row for row in parsed.rows if row.key not in book.known_row_keys]
    planner = ScanningPlanner(mode=mode, book=book)
    planner.load_book()
    planner.run(fresh)
    closings = planner.closings()
    return ImportPlan(
        openings=tuple(planner.openings),
        fills=tuple(planner.fills),
        closings=tuple(closings),
        notes=tuple(planner.notes),
        warnings=tuple(planner.warnings),
        skipped_duplicates=len(parsed.rows) - len(fresh),
        ignored_rows=parsed.ignored_rows,
    )


class LiteralRowReader(RowReader):
    """Reads every row in full (`_parse_row`), no shape read once per export."""

    def __call__(self, line: int, cells: dict[str, str]) -> TastyRow | None:
        """The full read of the row."""
        return _parse_row(line, cells, self.sessions)
