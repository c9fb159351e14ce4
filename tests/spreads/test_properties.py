"""Property tests (hypothesis): the exact payoff maths against brute force, and the proof's rule."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from itertools import permutations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from utils.spreads.probability import probability_of_profit
from utils.spreads.legs import Leg, LegAction
from utils.spreads.payoff import expiration_profile
from utils.spreads.proof import prove_defined_risk
from utils.spreads.spread import Spread
from utils.spreads.structures import recognize_structure
from utils.spreads.symbols import OptionSymbol, OptionType, format_occ, parse_occ, parse_streamer

EXPIRY = date(2025, 1, 17)
HALF = Decimal("0.5")


@st.composite
def leg_sets(draw) -> list[Leg]:
    """1-4 legs on one underlying and expiration, distinct contracts, strikes on a $0.50 grid."""
    count = draw(st.integers(1, 4))
    contracts = draw(
        st.lists(
            st.tuples(st.sampled_from(list(OptionType)), st.integers(2, 400)),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    legs = []
    for option_type, half_dollars in contracts:
        legs.append(
            Leg(
                symbol=OptionSymbol(
                    root="XYZ",
                    expiration=EXPIRY,
                    option_type=option_type,
                    strike=HALF * half_dollars,
                ),
                action=draw(st.sampled_from([LegAction.BUY_TO_OPEN, LegAction.SELL_TO_OPEN])),
                quantity=draw(st.integers(1, 5)),
            )
        )
    return legs


@st.composite
def spreads(draw) -> Spread:
    """A spread of random legs at a random price (cents) and effect."""
    legs = draw(leg_sets())
    cents = draw(st.integers(0, 2000))
    effect = draw(st.sampled_from(["Credit", "Debit"]))
    return Spread(legs=tuple(legs), price=Decimal(cents) / 100, price_effect=effect)


def brute_force_pl(spread: Spread, price: Decimal) -> Decimal:
    """P/L at one price straight from the definition, independent of the profile code."""
    value = spread.premium_usd
    for leg in spread.legs:
        if leg.option_type is OptionType.CALL:
            intrinsic = max(price - leg.strike, Decimal(0))
        else:
            intrinsic = max(leg.strike - price, Decimal(0))
        value += leg.signed_quantity * leg.multiplier * intrinsic
    return value


def dense_grid(spread: Spread) -> list[Decimal]:
    """Every $0.25 from 0 to twice the highest strike: contains every strike."""
    top = max(leg.strike for leg in spread.legs) * 2
    return [Decimal(step) / 4 for step in range(int(top * 4) + 1)]


def uncovered(legs: list[Leg]) -> bool:
    """Some option type has more short than long contracts."""
    net: dict[OptionType, int] = defaultdict(int)
    for leg in legs:
        net[leg.option_type] += leg.signed_quantity
    return any(count < 0 for count in net.values())


def short_legs(*contracts: tuple[OptionType, str, int]) -> tuple[Leg, ...]:
    """Short legs on the test underlying: (type, strike, quantity) each."""
    return tuple(
        Leg(
            symbol=OptionSymbol(
                root="XYZ", expiration=EXPIRY, option_type=kind, strike=Decimal(strike)
            ),
            action=LegAction.SELL_TO_OPEN,
            quantity=quantity,
        )
        for kind, strike, quantity in contracts
    )


# Found by hypothesis: the loss at ten times the top strike only ties the grid's minimum.
LOSS_AT_10X_TOP_TIES_THE_GRID = Spread(
    legs=short_legs(
        (OptionType.PUT, "1.5", 4),
        (OptionType.PUT, "1.0", 3),
        (OptionType.PUT, "2.0", 5),
        (OptionType.CALL, "1.0", 1),
    ),
    price=Decimal(0),
    price_effect="Credit",
)


@settings(max_examples=100)
@given(spreads())
@example(LOSS_AT_10X_TOP_TIES_THE_GRID)
def test_closed_form_max_loss_equals_brute_force_minimum(spread):
    grid_min = min(brute_force_pl(spread, price) for price in dense_grid(spread))
    top = max(leg.strike for leg in spread.legs)
    slope = brute_force_pl(spread, top + 1) - brute_force_pl(spread, top)  # past every strike
    assert (slope < 0) == (spread.profile.right_slope_usd < 0)
    if slope < 0:
        assert spread.max_loss_usd is None
        # P/L falls by -slope per dollar past the top strike: one dollar below the grid's minimum.
        beyond = top + 1 + (brute_force_pl(spread, top) - grid_min) / -slope
        assert brute_force_pl(spread, beyond) < grid_min
    else:
        assert spread.max_loss_usd == -grid_min
        assert brute_force_pl(spread, top * 10) >= grid_min


@settings(max_examples=100)
@given(spreads())
def test_closed_form_max_profit_equals_brute_force_maximum(spread):
    grid_max = max(brute_force_pl(spread, price) for price in dense_grid(spread))
    if spread.profile.right_slope_usd > 0:
        assert spread.max_profit_usd is None
    else:
        assert spread.max_profit_usd == grid_max


@settings(max_examples=100)
@given(spreads())
def test_breakevens_are_zeros_of_the_payoff(spread):
    for breakeven in spread.breakevens:
        assert abs(brute_force_pl(spread, breakeven)) < Decimal("1e-18")


@settings(max_examples=100)
@given(leg_sets())
def test_a_set_with_an_uncovered_short_is_never_defined_risk(legs):
    proof = prove_defined_risk(legs)
    if uncovered(legs):
        assert not proof.defined_risk
    else:
        assert proof.defined_risk
        assert proof.right_slope_usd >= 0 and proof.max_loss_usd is not None


@given(spreads())
def test_buying_power_is_never_below_max_loss(spread):
    bp = spread.buying_power_usd()
    if not spread.is_defined_risk:
        assert bp is None
        return
    assert bp >= spread.max_loss_usd
    if expiration_profile(spread.legs, Decimal(0)).max_loss_usd >= 0:
        assert bp == spread.max_loss_usd


@given(spreads(), st.integers(2, 6))
def test_scaling_quantity_scales_dollars_and_keeps_breakevens(spread, factor):
    assert spread.breakevens is not None  # fill the cached payoff before scaling
    unit = spread.with_quantity(1)
    scaled = spread.with_quantity(factor)
    if unit.max_loss_usd is not None:
        assert scaled.max_loss_usd == unit.max_loss_usd * factor
    assert scaled.breakevens == unit.breakevens


@given(leg_sets())
def test_recognition_does_not_depend_on_leg_order(legs):
    names = {recognize_structure(list(order)) for order in permutations(legs)}
    assert len(names) == 1


@given(spreads(), st.floats(20, 400), st.floats(0.05, 1.5), st.integers(1, 120))
def test_probability_of_profit_is_a_probability(spread, spot, volatility, days):
    pop = probability_of_profit(spread, spot=spot, volatility=volatility, days=days)
    assert -1e-12 <= pop <= 1 + 1e-12


roots = st.from_regex(r"[A-Z][A-Z0-9]{0,5}", fullmatch=True)
strikes = st.integers(1, 99_999_999).map(lambda milli: Decimal(milli) / 1000)
expirations = st.dates(date(2000, 1, 1), date(2099, 12, 31))


@given(roots, expirations, st.sampled_from(list(OptionType)), strikes)
def test_occ_and_streamer_symbols_round_trip_exactly(root, expiration, option_type, strike):
    symbol = OptionSymbol(root=root, expiration=expiration, option_type=option_type, strike=strike)
    occ = format_occ(root, expiration, option_type, strike)
    assert len(occ) == 21
    assert parse_occ(occ) == symbol
    assert parse_occ(occ.replace(" ", "")) == symbol
    assert parse_streamer(symbol.streamer) == symbol
    assert parse_streamer(symbol.streamer).occ == occ
