"""tastytrade's transaction rows turned into journaled spreads: a plan, decided before any write.

How rows become spreads (all pure; `Journal.import_tastytrade_csv` applies the plan):
- Rows are taken oldest first. Option `Trade` rows are grouped by `Order #`. The opening legs of
  one order form one spread, if `utils.spreads.proof` proves them a defined-risk spread. Legs on
  one underlying that do not (a naked short, a strangle, a ratio, a calendar) are journaled as
  they happened, flagged not-defined-risk with a stand-in 1R (`utils.journal.undefined_risk`);
  a single long option is a warning, not journaled; legs on two underlyings are an error.
- Errors (`ImportPlan.errors`) refuse the file unless the trader imports the good orders: an
  order that cannot be journaled, a `Receive Deliver` of a held leg with an unknown sub type.
- Closing legs (Buy/Sell to Close) close the oldest open spread holding that contract (FIFO).
  An order that closes legs and opens new ones is a roll: the new spread's parent is the one it
  closed, whose close reason becomes `rolled`.
- `Receive Deliver` rows close legs too: an expiration at $0; a cash-settled assignment or
  exercise at the row's Value; a physical assignment or exercise at the strike, booked as a
  stock delivery of contracts x multiplier shares (the stock row's fees are attached). A spread
  closes when every leg and any delivered stock is flat; when an assignment leaves shares (the
  other leg expired), the spread stays open with a warning and a note, so no guessed P&L enters
  the evidence; close it by hand once the shares are sold.
- A spread's P&L is the sum of its rows' cash (Value) minus their commissions and fees, which is
  the journal's formula with entry = opening cash / (multiplier x quantity) and exit = closing
  cash / (multiplier x quantity).
- Rows already journaled (by their key) are skipped, so overlapping exports import each fill once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from functools import cached_property, lru_cache, reduce
from math import gcd
from typing import NamedTuple

from pydantic import ValidationError

from utils.core.money import from_cents, to_cents
from utils.core.prevalidated import updated_copy
from utils.core.sessions import SUPPORTED_YEARS
from utils.journal.fields import BROKER_ORDER_ID_PATTERN
from utils.journal.import_report import ImportIssue
from utils.journal.risk import TradeLeg
from utils.journal.tastytrade_book import DELIVERY, OPENING, JournalBook
from utils.journal.cockpit_csv_cells import SessionMemo
from utils.journal.tastytrade_csv import SOURCE, RowKind, TastyCsv, TastyRow
from utils.journal.tastytrade_shapes import (
    OpeningShape,
    ProvenShape,
    ShapeCopy,
    opening_shape,
)
from utils.journal.trade import CloseReason, Mode, NewTrade, TradeClose
from utils.journal.undefined_risk import FlaggedNewTrade, RiskFlag, not_defined_risk_flag
from utils.spreads.legs import LegAction, PriceEffect
from utils.spreads.symbols import OptionType, parse_occ


@dataclass(frozen=True, eq=False)
class PlannedOpening:
    """A new spread to journal: its trade validated for its order, or a copy of the trade
    validated for an earlier order of its shape (`tastytrade_shapes.ShapeCopy`), made when
    `trade` is first read (the bulk writes read the copy's own cells instead). Two are equal
    when their trades, parents, notes and flags are."""

    opened: NewTrade | ShapeCopy
    parent_uid: str | None = None
    notes: tuple[str, ...] = ()
    risk_flag: RiskFlag | None = None  # set for a position that is not a defined-risk spread

    @cached_property
    def trade(self) -> NewTrade:
        """The trade to journal."""
        opened = self.opened
        return opened.trade() if isinstance(opened, ShapeCopy) else opened

    @property
    def facts(self) -> NewTrade:
        """The trade whose legs, amounts and flag the trade has: itself, or the one a copy
        copies (read without making a copy's trade, as the properties below)."""
        opened = self.opened
        return opened.of if isinstance(opened, ShapeCopy) else opened

    @property
    def uid(self) -> str:
        """The trade's uid."""
        opened = self.opened
        return opened.uid if isinstance(opened, ShapeCopy) else opened.uid or ""

    @property
    def opened_at(self) -> datetime:
        """The trade's opening time."""
        return self.opened.opened_at

    @property
    def broker_order_ids(self) -> tuple[str, ...]:
        """The trade's broker order ids."""
        return self.opened.broker_order_ids

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PlannedOpening):
            return NotImplemented
        return (self.trade, self.parent_uid, self.notes, self.risk_flag) == (
            other.trade,
            other.parent_uid,
            other.notes,
            other.risk_flag,
        )


class PlannedFill(NamedTuple):
    """A row (or its share, when it closes several spreads) recorded as a spread's fill (a named
    tuple: one is made per row, and a tuple is made faster than a frozen dataclass)."""

    trade_uid: str
    fill_key: str
    order_id: str | None
    symbol: str
    kind: str
    quantity: int
    value_cents: int
    fees_cents: int
    executed_at: datetime
    line: int


class CloseCopy(NamedTuple):
    """A spread's close as the close validated `of` its amounts and reason, with its own time
    and order ids (`_copyable` checked them): made when asked for (`close`). A named tuple: one
    is made per closing."""

    of: TradeClose
    closed_at: datetime
    broker_order_ids: tuple[str, ...]

    def close(self) -> TradeClose:
        """The copy as a close, exactly what validating it gives."""
        update = {"closed_at": self.closed_at, "broker_order_ids": self.broker_order_ids}
        return updated_copy(self.of, update)


@dataclass(frozen=True, eq=False)
class PlannedClosing:
    """A spread that is flat after this file: its close validated, or a copy of a close of the
    same amounts (`CloseCopy`), made when `close` is first read (the bulk writes read the
    copy's own time and order ids instead). Two are equal when their uids and closes are."""

    trade_uid: str
    closed: TradeClose | CloseCopy

    @cached_property
    def close(self) -> TradeClose:
        """The close to journal."""
        closed = self.closed
        return closed.close() if isinstance(closed, CloseCopy) else closed

    @property
    def facts(self) -> TradeClose:
        """The close whose amounts, reason and plan answer the close has (read without making
        a copy's close, as the properties below)."""
        closed = self.closed
        return closed.of if isinstance(closed, CloseCopy) else closed

    @property
    def closed_at(self) -> datetime:
        """The close's time."""
        return self.closed.closed_at

    @property
    def broker_order_ids(self) -> tuple[str, ...]:
        """The close's broker order ids."""
        return self.closed.broker_order_ids

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PlannedClosing):
            return NotImplemented
        return (self.trade_uid, self.close) == (other.trade_uid, other.close)


@dataclass(frozen=True)
class PlannedNote:
    """A note to add to a spread (e.g. an assignment left shares)."""

    trade_uid: str
    at: datetime
    text: str


@dataclass(frozen=True)
class ImportPlan:
    """Everything an import will write, decided before anything is written.

    The plan types are plain dataclasses and named tuples: they carry models validated once
    already, or copies of them made when read (`ShapeCopy`, `CloseCopy`).
    """

    openings: tuple[PlannedOpening, ...] = ()
    fills: tuple[PlannedFill, ...] = ()
    closings: tuple[PlannedClosing, ...] = ()
    notes: tuple[PlannedNote, ...] = ()
    errors: tuple[ImportIssue, ...] = ()
    warnings: tuple[ImportIssue, ...] = ()
    skipped_duplicates: int = 0
    ignored_rows: int = 0


# A row's Value and fees in cents: amounts recur across a history, so each is rounded once.
_cents = lru_cache(maxsize=65_536)(to_cents)

# Hot loops compare actions by identity (an enum member read from its class is a slower lookup)
_BUY_TO_OPEN, _SELL_TO_OPEN = LegAction.BUY_TO_OPEN, LegAction.SELL_TO_OPEN
_BUY_TO_CLOSE = LegAction.BUY_TO_CLOSE
_BY_ORDER = CloseReason.CLOSING_ORDER

# When several legs close at the same moment (expiration day), the reason shown is the most
# telling one: an assignment beats an exercise, which beats an expiration.
_RANK = {CloseReason.EXPIRED: 1, CloseReason.EXERCISED: 2, CloseReason.ASSIGNED: 3}


@dataclass(slots=True, eq=False)  # a spread is itself: compared by identity
class _Spread:
    uid: str
    multiplier: int
    quantity: int
    underlying: str
    opened_at: datetime
    positions: dict[str, int] = field(default_factory=dict)  # option contracts, signed
    shares: int = 0  # stock delivered by assignments and exercises, signed
    close_cents: int = 0
    close_fees_cents: int = 0
    touched: bool = False
    last_at: datetime | None = None
    last_reason: CloseReason = CloseReason.CLOSING_ORDER
    close_order_ids: list[str] = field(default_factory=list)

    def options_flat(self) -> bool:
        return all(quantity == 0 for quantity in self.positions.values())

    def flat(self) -> bool:
        return self.options_flat() and self.shares == 0


@dataclass
class _Planner:
    mode: Mode
    book: JournalBook
    spreads: list[_Spread] = field(default_factory=list)
    # (contract, long?) -> the spreads holding it on that side, oldest first (a dict keeps
    # insertion order), so a closing row visits only spreads it closes. A spread leaves when its
    # position reaches zero, for good: after its opening a position only moves toward zero.
    holders: dict[tuple[str, bool], dict[str, _Spread]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    untracked: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    openings: list[PlannedOpening] = field(default_factory=list)
    fills: list[PlannedFill] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)
    errors: list[ImportIssue] = field(default_factory=list)
    notes: list[PlannedNote] = field(default_factory=list)
    stock_fees: dict[tuple, list[TastyRow]] = field(default_factory=lambda: defaultdict(list))
    ignored: int = 0
    # each opening shape validated once per file (`utils.journal.tastytrade_shapes`)
    shapes: dict[OpeningShape, ProvenShape] = field(default_factory=dict)
    sessions: SessionMemo = field(default_factory=SessionMemo)
    # a close validated per distinct (cash, multiplier, quantity, fees, reason) (`close_of`)
    closes: dict[tuple, TradeClose] = field(default_factory=dict)

    def load_book(self) -> None:
        for spread in self.book.open_spreads:
            state = _Spread(
                spread.uid, spread.multiplier, spread.quantity, spread.underlying, spread.opened_at
            )
            for fill in spread.fills:
                if fill.kind == DELIVERY:
                    state.shares += fill.quantity
                else:
                    state.positions[fill.symbol] = (
                        state.positions.get(fill.symbol, 0) + fill.quantity
                    )
                if fill.kind != OPENING:
                    state.close_cents += fill.value_cents
                    state.close_fees_cents += fill.fees_cents
                    if fill.order_id and fill.order_id not in state.close_order_ids:
                        state.close_order_ids.append(fill.order_id)
            self.spreads.append(state)
            for symbol, held in state.positions.items():
                if held:
                    self.holders[symbol, held > 0][state.uid] = state

    def warn(self, line: int | None, message: str, column: str | None = None) -> None:
        self.warnings.append(ImportIssue(line=line, field=column, message=message))

    # -------------------------------------------------------- closing

    def close_contracts(
        self,
        row: TastyRow,
        change_sign: int,
        reason: CloseReason,
        value_cents: int,
        *,
        deliver: bool = False,
    ) -> list[_Spread]:
        """Reduce positions in `row.symbol` by row.quantity, oldest spread first.

        `change_sign` is +1 when the close buys (covers shorts), -1 when it sells (longs).
        Only spreads opened by the row's time take part: an old row new to the journal (one an
        earlier import ignored) never closes a spread opened after it. Returns the spreads that
        took part.
        """
        remaining = row.quantity
        shares: list[tuple[_Spread, int]] = []
        for spread in self.holders.get((row.symbol, change_sign < 0), {}).values():
            if not remaining:
                break
            if spread.opened_at > row.executed_at:
                continue
            take = min(remaining, abs(spread.positions[row.symbol]))
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
        fee_cents = _cents(row.fees)
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

    def deliver_stock(self, spread: _Spread, row: TastyRow, contracts: int, index: int) -> None:
        """Book the shares an assignment or exercise delivers, at the strike."""
        option = row.option or parse_occ(row.symbol)
        shares = contracts * row.multiplier
        receives_stock = (option.option_type is OptionType.PUT) == (row.kind == RowKind.ASSIGNMENT)
        signed_shares = shares if receives_stock else -shares
        cash_cents = to_cents(-signed_shares * option.strike)
        fee_cents = self.take_stock_fees(row, shares)
        key = f"{row.key}-stock#{index}"
        self.fills.append(
            PlannedFill(
                trade_uid=spread.uid,
                fill_key=key,
                order_id=None,
                symbol=spread.underlying,
                kind=DELIVERY,
                quantity=signed_shares,
                value_cents=cash_cents,
                fees_cents=fee_cents,
                executed_at=row.executed_at,
                line=row.line,
            )
        )
        spread.shares += signed_shares
        spread.close_cents += cash_cents
        spread.close_fees_cents += fee_cents

    def take_stock_fees(self, row: TastyRow, shares: int) -> int:
        candidates = self.stock_fees.get((row.underlying, row.executed_at, shares), [])
        if not candidates:
            return 0
        return _cents(candidates.pop(0).fees)

    def move_position(self, spread: _Spread, symbol: str, quantity: int) -> None:
        """Change a spread's position in a contract, keeping `holders` in step."""
        positions = spread.positions
        before = positions.get(symbol, 0)
        held = positions[symbol] = before + quantity
        if held:
            self.holders[symbol, held > 0].setdefault(spread.uid, spread)
        else:
            self.holders[symbol, before > 0].pop(spread.uid, None)

    def record_fill(
        self, spread: _Spread, row: TastyRow, index: int, quantity: int, value: int, fees: int
    ) -> None:
        self.move_position(spread, row.symbol, quantity)
        action = row.action
        self.fills.append(
            PlannedFill(
                spread.uid,  # trade_uid, fill_key, order_id, symbol, kind, quantity,
                f"{row.key}#{index}",  # value_cents, fees_cents, executed_at, line
                row.order_id,
                row.symbol,
                OPENING if action is _BUY_TO_OPEN or action is _SELL_TO_OPEN else row.kind,
                quantity,
                value,
                fees,
                row.executed_at,
                row.line,
            )
        )

    # -------------------------------------------------------- opening

    def open_spread(self, order_id: str, rows: list[TastyRow], parent_uid: str | None) -> None:
        uid = f"tastytrade-{order_id}"
        if uid in self.book.known_uids:
            # The order was journaled from an earlier file whose rows differ (e.g. re-export).
            self.warn(rows[0].line, f"order {order_id} is already journaled; rows ignored")
            return
        contracts: dict[str, list[TastyRow]] = defaultdict(list)
        for row in rows:
            contracts[row.symbol].append(row)
        shape = opening_shape(contracts, self.mode)
        opened = self.proven_opening(shape, uid, order_id, rows[0].executed_at)
        if opened is None:
            opened = self.validated_opening(order_id, uid, rows, contracts)
            if opened is None:
                return
            if shape is not None:
                self.shapes[shape] = ProvenShape.of(*opened)
        trade, flag = opened
        facts = trade.of if isinstance(trade, ShapeCopy) else trade
        notes = () if flag is None else (flag.note(facts.max_loss_usd),)
        opening = PlannedOpening(opened=trade, parent_uid=parent_uid, notes=notes, risk_flag=flag)
        self.openings.append(opening)
        state = _Spread(
            uid, rows[0].multiplier, facts.quantity, rows[0].underlying, rows[0].executed_at
        )
        self.spreads.append(state)
        for row in rows:
            quantity = row.quantity if row.action is _BUY_TO_OPEN else -row.quantity
            self.record_fill(state, row, 0, quantity, _cents(row.value), _cents(row.fees))

    def proven_opening(
        self, shape: OpeningShape | None, uid: str, order_id: str, opened_at: datetime
    ) -> tuple[ShapeCopy, RiskFlag | None] | None:
        """The trade of an order whose shape was validated earlier in this file, or None."""
        proven = self.shapes.get(shape) if shape is not None else None
        if proven is None:
            return None
        copy = proven.copy_for(uid, order_id, opened_at, self.sessions)
        return None if copy is None else (copy, proven.flag)

    def validated_opening(
        self, order_id: str, uid: str, rows: list[TastyRow], contracts: dict[str, list[TastyRow]]
    ) -> tuple[NewTrade, RiskFlag | None] | None:
        """The order's opening legs validated as a trade (proved defined-risk, or flagged);
        None, with the warning or error kept, for an order that is not journaled."""
        lines = ", ".join(str(r.line) for r in rows)
        multiplier, underlying = rows[0].multiplier, rows[0].underlying
        cash = sum((r.value for r in rows), Decimal(0))
        try:
            if any(len({r.action for r in group}) > 1 for group in contracts.values()):
                raise ValueError("the order both buys and sells one contract to open")
            legs = tuple(
                TradeLeg(
                    occ_symbol=symbol,
                    action=group[0].action,
                    quantity=sum(r.quantity for r in group),
                )
                for symbol, group in contracts.items()
            )
            quantity = reduce(gcd, (leg.quantity for leg in legs))
            fields = {
                "uid": uid,
                "underlying": underlying,
                "quantity": quantity,
                "multiplier": multiplier,
                "opened_at": rows[0].executed_at,
                "open_fees_usd": sum((r.fees for r in rows), Decimal(0)),
                "mode": self.mode,
                "broker_order_ids": (order_id,),
                "source": SOURCE,
            }
            flag = not_defined_risk_flag(legs, underlying, multiplier, cash)
            if flag is None and len(legs) < 2:
                self.warn(
                    rows[0].line,
                    f"order {order_id} (line(s) {lines}) is not journaled: a single leg is not a "
                    "spread (a long option, whose risk is the debit paid)",
                )
                self.mark_untracked(rows)
                return None
            model = NewTrade if flag is None else FlaggedNewTrade
            trade = model(
                legs=legs,
                entry_price=abs(cash) / (multiplier * quantity),
                entry_effect=PriceEffect.CREDIT if cash >= 0 else PriceEffect.DEBIT,
                **fields,
            )
        except (ValueError, ValidationError) as error:
            self.errors.append(
                ImportIssue(
                    line=rows[0].line,
                    field=None,
                    message=f"order {order_id} (line(s) {lines}) cannot be journaled: "
                    f"{_reason(error)}",
                )
            )
            self.mark_untracked(rows)
            return None
        return trade, flag

    def mark_untracked(self, rows: list[TastyRow]) -> None:
        """Positions of an order not journaled: its later closes and events are expected."""
        for row in rows:
            sign = 1 if row.action is LegAction.BUY_TO_OPEN else -1
            self.untracked[row.symbol] += sign * row.quantity

    # -------------------------------------------------------- the whole file

    def run(self, rows: Iterable[TastyRow]) -> None:
        orders: dict[str, list[TastyRow]] = defaultdict(list)
        sequence: list[tuple[str, object]] = []
        for row in rows:
            kind = row.kind
            if kind is RowKind.STOCK_DELIVERY:
                self.stock_fees[(row.underlying, row.executed_at, row.quantity)].append(row)
            elif kind is RowKind.OPTION_TRADE:
                order_id = row.order_id or f"line-{row.line}"  # parsing refuses an empty one
                if order_id not in orders:
                    sequence.append(("order", order_id))
                orders[order_id].append(row)
            else:
                sequence.append(("event", row))
        for kind, item in sequence:
            if kind == "order":
                self.run_order(str(item), orders[str(item)])
            else:
                self.run_event(item)  # type: ignore[arg-type]

    def run_order(self, order_id: str, rows: list[TastyRow]) -> None:
        closed_here: list[_Spread] = []
        opening: list[TastyRow] = []
        for row in rows:
            action = row.action
            if action is _BUY_TO_OPEN or action is _SELL_TO_OPEN:
                opening.append(row)
            elif action is not None:
                sign = 1 if action is _BUY_TO_CLOSE else -1
                closed = self.close_contracts(row, sign, _BY_ORDER, _cents(row.value))
                closed_here.extend(s for s in closed if s not in closed_here)
        if opening:
            for spread in closed_here:
                spread.last_reason = CloseReason.ROLLED
            self.open_spread(order_id, opening, closed_here[0].uid if closed_here else None)

    def run_event(self, row: TastyRow) -> None:
        holders_sign = self.position_sign(row.symbol)
        if row.kind == RowKind.UNKNOWN_EVENT:
            if holders_sign != 0:
                self.errors.append(
                    ImportIssue(
                        line=row.line,
                        field="Sub Type",
                        message=f"Receive Deliver {row.sub_type[:40]!r} of "
                        f"{row.symbol.strip()}, a leg held in this history, is not a sub type "
                        "this importer knows (Expiration, Assignment, Exercise, Cash Settled); "
                        "it would change the position unseen, so the file is refused",
                    )
                )
            else:
                self.ignored += 1
            return
        if holders_sign == 0:
            self.warn(
                row.line,
                f"{row.sub_type} of {row.symbol.strip()} matches no journaled spread; ignored",
            )
            return
        if row.kind == RowKind.CASH_SETTLEMENT:
            assigned = "assign" in row.sub_type.lower() or holders_sign < 0
            reason = CloseReason.ASSIGNED if assigned else CloseReason.EXERCISED
            self.close_contracts(row, -holders_sign, reason, _cents(row.value))
            return
        reason = {
            RowKind.EXPIRATION: CloseReason.EXPIRED,
            RowKind.ASSIGNMENT: CloseReason.ASSIGNED,
            RowKind.EXERCISE: CloseReason.EXERCISED,
        }[row.kind]
        deliver = row.kind in (RowKind.ASSIGNMENT, RowKind.EXERCISE)
        self.close_contracts(row, -holders_sign, reason, 0, deliver=deliver)

    def position_sign(self, symbol: str) -> int:
        total = sum(
            spread.positions[symbol]
            for side in (True, False)
            for spread in self.holders.get((symbol, side), {}).values()
        )
        total += self.untracked.get(symbol, 0)
        return (total > 0) - (total < 0)

    def closings(self) -> list[PlannedClosing]:
        result = []
        for spread in self.spreads:
            at = spread.last_at
            if not spread.touched or at is None:
                continue
            if spread.flat():
                result.append(
                    PlannedClosing(trade_uid=spread.uid, closed=self.close_of(spread, at))
                )
            elif spread.options_flat():
                text = (
                    f"An assignment or exercise left {spread.shares:+d} shares of "
                    f"{spread.underlying} in this spread; it stays open until you close it by "
                    "hand with the exit price that includes the shares' sale."
                )
                self.warn(None, f"spread {spread.uid}: {text}")
                self.notes.append(PlannedNote(trade_uid=spread.uid, at=at, text=text))
        return result

    def close_of(self, spread: _Spread, at: datetime) -> TradeClose | CloseCopy:
        """The spread's close at `at`: validated once per distinct amounts and reason, then
        copied with each closing's own time and order ids when those pass the checks the model
        applies to them (`_copyable`)."""
        order_ids = tuple(spread.close_order_ids)
        key = (spread.close_cents, spread.multiplier, spread.quantity)
        key += (spread.close_fees_cents, spread.last_reason)
        validated = self.closes.get(key)
        if validated is not None and _copyable(at, order_ids):
            return CloseCopy(validated, at, order_ids)
        per_share = from_cents(spread.close_cents) / (spread.multiplier * spread.quantity)
        close = TradeClose(
            closed_at=at,
            exit_price=abs(per_share),
            exit_effect=PriceEffect.CREDIT if per_share > 0 else PriceEffect.DEBIT,
            close_fees_usd=from_cents(spread.close_fees_cents),
            close_reason=spread.last_reason,
            broker_order_ids=order_ids,
        )
        self.closes.setdefault(key, close)
        return close


def _copyable(at: datetime, order_ids: tuple[str, ...]) -> bool:
    """True when validating `at` and `order_ids` as a close's time and order ids gives them
    back unchanged: a UTC time of a supported year, distinct well-formed order ids."""
    return (
        at.tzinfo is timezone.utc
        and at.year in SUPPORTED_YEARS
        and len(set(order_ids)) == len(order_ids)
        and all(BROKER_ORDER_ID_PATTERN.match(order_id) for order_id in order_ids)
    )


def _share(total: int, part: int, whole: int) -> int:
    return total * part // whole if part != whole else total


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(
            str(item["msg"]).removeprefix("Value error, ")
            for item in error.errors(include_url=False)
        )
    return str(error)


def plan_import(parsed: TastyCsv, book: JournalBook, *, mode: Mode) -> ImportPlan:
    """Decide which spreads open, which close and what is skipped, without writing anything.

    Rows of an order with a bad row (`parsed.bad_orders`) are left out whole: importing the good
    orders never journals part of an order (one leg of a spread would be a naked position).
    """
    fresh = list(parsed.rows)
    if book.known_row_keys:
        fresh = [row for row in fresh if row.key not in book.known_row_keys]
    skipped = []
    if parsed.bad_orders:
        skipped = [row for row in fresh if row.order_id in parsed.bad_orders]
        fresh = [row for row in fresh if row.order_id not in parsed.bad_orders]
    planner = _Planner(mode=Mode(mode), book=book)
    planner.load_book()
    planner.run(fresh)
    closings = planner.closings()
    return ImportPlan(
        openings=tuple(planner.openings),
        fills=tuple(planner.fills),
        closings=tuple(closings),
        notes=tuple(planner.notes),
        errors=(
            *planner.errors,
            *(
                ImportIssue(
                    line=row.line,
                    field=None,
                    message=f"skipped with its order {row.order_id}, which has a bad row "
                    "(an order is imported whole or not at all)",
                )
                for row in skipped
            ),
        ),
        warnings=tuple(planner.warnings),
        skipped_duplicates=len(parsed.rows) - len(fresh) - len(skipped),
        ignored_rows=parsed.ignored_rows + planner.ignored,
    )
