"""What the Order ticket shows of a spread: risk summary, odds, payoff chart and leg quotes."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import html

from components.formatting import percent, usd
from utils.spreads.chain import NetPrice
from utils.spreads.market_events import UnderlyingEvents
from utils.spreads.price_check import price_anomaly
from utils.spreads.spread import Spread
from utils.spreads.strike_picker import strike_text
from utils.spreads.ticket_odds import ODDS_FORMULA, OddsEstimate, OddsGap

CHART_LAYOUT = dict(height=240, margin=dict(l=40, r=10, t=10, b=40), showlegend=False)


def _table(rows: list[tuple]) -> dbc.Table:
    return dbc.Table(
        html.Tbody([html.Tr([html.Th(k), html.Td(v)]) for k, v in rows]),
        size="sm",
        className="small mb-0",
    )


def summary(spread: Spread) -> html.Div:
    """Legs, max profit, max loss (1R), breakevens and buying power; an impossible price or an
    undefined-risk combination first, in words, before any Preview."""
    breakevens = ", ".join(usd(b) for b in spread.breakevens) or "-"
    anomaly = price_anomaly(spread)
    problems = []
    if not spread.is_defined_risk:
        problems.append(dbc.Alert(f"Not defined risk: {spread.proof.sentence}", color="danger"))
    if anomaly:
        problems.append(dbc.Alert(f"Impossible price: {anomaly}", color="danger"))
    facts = [
        ("Structure", spread.structure.label),
        ("Max profit", usd(spread.max_profit_usd)),
        ("Max loss (1R)", "none: see above" if anomaly else usd(spread.max_loss_usd)),
        ("Breakevens", breakevens),
        ("Buying power (before fees)", usd(spread.buying_power_usd())),
        ("Defined risk", "yes" if spread.is_defined_risk else "no"),
    ]
    return html.Div(
        [
            *problems,
            html.Ul([html.Li(leg.describe()) for leg in spread.legs], className="small mb-2"),
            _table(facts),
        ]
    )


def _events(events: UnderlyingEvents | None, warnings: tuple[str, ...]) -> list:
    shown = []
    if events is not None and events.iv_rank is not None:
        shown.append(html.Div(f"IV rank {percent(events.iv_rank)}", className="small"))
    shown += [dbc.Alert(text, color="warning", className="small py-1 mb-1") for text in warnings]
    return shown


def odds(
    estimate: OddsEstimate | OddsGap,
    events: UnderlyingEvents | None = None,
    warnings: tuple[str, ...] = (),
) -> html.Div:
    """Probability of profit, expected value and the 1-SD move, marked as estimates with the
    formula in a tooltip (or why there is none); IV rank and event dates inside the trade."""
    if isinstance(estimate, OddsGap):
        return html.Div(
            [html.Div(estimate.sentence, className="small text-muted"), *_events(events, warnings)]
        )
    assumed = (
        " (assumed: no IV entered; the model's default)" if estimate.volatility_assumed else ""
    )
    facts = [
        ("Probability of profit", percent(estimate.probability_of_profit, 1)),
        ("Expected value", usd(estimate.expected_value_usd)),
        ("1-SD move by expiration", f"±{usd(estimate.one_sd_move)}"),
    ]
    return html.Div(
        [
            dbc.Table(
                html.Tbody(
                    [
                        html.Tr(
                            [
                                html.Th(html.Abbr(f"{label} (estimate)", title=ODDS_FORMULA)),
                                html.Td(value, className="text-nowrap"),
                            ]
                        )
                        for label, value in facts
                    ]
                ),
                size="sm",
                className="small mb-0",
            ),
            html.Div(
                f"Estimate, before fees: lognormal model, underlying "
                f"{usd(estimate.underlying_price)}, IV {percent(estimate.volatility, 1)}{assumed}, "
                f"{estimate.days:.1f} days to expiration.",
                className="small text-muted",
            ),
            *_events(events, warnings),
        ]
    )


def payoff_figure(spread: Spread) -> go.Figure:
    """Expiration P/L against the underlying price, with breakevens marked."""
    points = spread.payoff_curve()
    figure = go.Figure(
        go.Scatter(
            x=[float(p.underlying_price) for p in points],
            y=[float(p.pl_usd) for p in points],
            mode="lines",
            name="P/L at expiration",
            hovertemplate="price %{x}<br>P/L $%{y:,.2f}<extra></extra>",
        )
    )
    figure.add_hline(y=0, line_color="grey", line_width=1)
    for breakeven in spread.breakevens:
        figure.add_vline(x=float(breakeven), line_dash="dot", line_color="orange")
    strikes = [float(leg.strike) for leg in spread.legs]
    span = max(strikes) - min(strikes) or max(strikes) * 0.05
    figure.update_xaxes(range=[min(strikes) - span, max(strikes) + span], title="underlying")
    figure.update_yaxes(title="P/L ($)")
    figure.update_layout(**CHART_LAYOUT)
    return figure


def no_payoff_figure(reason: str) -> go.Figure:
    """An empty chart that says why there is no payoff (never bare 0-6 axes)."""
    figure = go.Figure()
    figure.add_annotation(
        text=f"No payoff to draw: {reason}",
        showarrow=False,
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.update_layout(**CHART_LAYOUT)
    return figure


def leg_quotes(price: NetPrice) -> dbc.Table:
    """Each leg's bid, ask and mid (and delta, IV when sent), then the net mid and natural."""
    rows = [
        html.Tr(
            [
                html.Td(leg.description),
                html.Td(usd(leg.bid)),
                html.Td(usd(leg.ask)),
                html.Td(usd(leg.mid)),
                html.Td("-" if leg.delta is None else f"{leg.delta:.2f}"),
                html.Td(percent(leg.volatility, 1)),
            ]
        )
        for leg in price.legs
    ]
    effect = price.price_effect.value.lower()
    rows.append(
        html.Tr(
            [
                html.Th(f"Net ({effect}) per share"),
                html.Td(f"natural {usd(abs(price.natural))}", colSpan=2),
                html.Td(f"mid {usd(abs(price.mid))}"),
                html.Td(f"limit {usd(price.limit)}", colSpan=2),
            ]
        )
    )
    head = html.Thead(html.Tr([html.Th(h) for h in ("Leg", "Bid", "Ask", "Mid", "Delta", "IV")]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", className="small mb-1")


def listed_strikes_hint(strikes: tuple, spot) -> str:
    """The listed strikes nearest the price, for typing by hand."""
    if not strikes:
        return ""
    near = sorted(strikes, key=lambda k: abs(k - spot))[:15] if spot is not None else strikes[:15]
    return "Listed strikes near the price: " + ", ".join(strike_text(k) for k in sorted(near))
