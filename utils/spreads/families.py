"""Underlying families: underlyings that move as one count as one for risk and diversification."""

from __future__ import annotations

# Underlyings that move as one (research options_math.md section 10): the per-underlying risk
# check and diversification count a family once. ETFs, indexes, minis and their weekly roots.
UNDERLYING_FAMILIES: dict[str, frozenset[str]] = {
    "S&P 500": frozenset({"SPY", "SPX", "SPXW", "XSP", "VOO", "IVV", "SPLG", "ES", "MES"}),
    "Nasdaq-100": frozenset({"QQQ", "QQQM", "NDX", "NDXP", "XND", "NQ", "MNQ"}),
    "Russell 2000": frozenset({"IWM", "RUT", "RUTW", "MRUT", "RTY", "M2K"}),
    "Dow Jones": frozenset({"DIA", "DJX", "YM", "MYM"}),
}


def underlying_family(symbol: str) -> str:
    """The family an underlying counts in (`SPX` -> `S&P 500`); otherwise the symbol itself."""
    upper = symbol.upper()
    for family, members in UNDERLYING_FAMILIES.items():
        if upper in members:
            return family
    return upper
