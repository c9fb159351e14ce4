"""OCC (OSI) option symbols and tastytrade's DXLink streamer symbols, parsed and formatted exactly.

OSI, 21 characters: root left-justified and space-padded to 6, `YYMMDD`, `C`/`P`, strike x 1000
zero-padded to 8 digits (`SPY   250117P00450000`). Streamer: `.` + root + `YYMMDD` + `C`/`P` +
strike without padding or trailing zeros (`.SPY250117P450`, `.XYZ250117C12.25`).

Unlike the tastytrade SDK's converter, roots may contain digits (`BRKB1`, adjusted options) and
strikes may have up to three decimals; every symbol round-trips to the same 21 characters.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

OCC_LENGTH = 21
ROOT_WIDTH = 6
MAX_STRIKE = Decimal("99999.999")

_OCC_PADDED = re.compile(r"^(?P<root>[A-Z0-9 ]{6})(?P<date>\d{6})(?P<type>[CP])(?P<strike>\d{8})$")
_OCC_COMPACT = re.compile(
    r"^(?P<root>[A-Z0-9]{1,6}) *(?P<date>\d{6})(?P<type>[CP])(?P<strike>\d{8})$"
)
_STREAMER = re.compile(
    r"^\.(?P<root>[A-Z0-9]{1,6})(?P<date>\d{6})(?P<type>[CP])(?P<strike>\d{1,5}(?:\.\d{1,3})?)$"
)
_ROOT = re.compile(r"^[A-Z0-9]{1,6}$")

# Option roots whose underlying has another symbol (weekly / PM-settled index series).
ROOT_UNDERLYINGS: dict[str, str] = {
    "SPXW": "SPX",
    "SPXPM": "SPX",
    "NDXP": "NDX",
    "RUTW": "RUT",
    "VIXW": "VIX",
    "XSPW": "XSP",
}


class SymbolError(Exception):
    """An option symbol that is not a valid OCC or streamer symbol; the message quotes it.

    Not a ValueError on purpose: pydantic would re-wrap it and lose the message's focus.
    """


class OptionType(StrEnum):
    """Call or put, spelled as in the OCC symbol."""

    CALL = "C"
    PUT = "P"


class OptionSymbol(BaseModel):
    """One listed option contract: root, expiration, type and strike (per share, exact)."""

    model_config = ConfigDict(frozen=True)

    root: str
    expiration: date
    option_type: OptionType
    strike: Decimal

    @field_validator("root")
    @classmethod
    def _valid_root(cls, root: str) -> str:
        if not _ROOT.match(root):
            raise ValueError(f"option root {root!r} must be 1-6 upper-case letters or digits")
        return root

    @field_validator("expiration")
    @classmethod
    def _valid_expiration(cls, expiration: date) -> date:
        if not 2000 <= expiration.year <= 2099:
            raise ValueError(f"expiration {expiration} cannot be written as YYMMDD (2000-2099)")
        return expiration

    @field_validator("strike")
    @classmethod
    def _valid_strike(cls, strike: Decimal) -> Decimal:
        if not strike.is_finite() or strike <= 0 or strike > MAX_STRIKE:
            raise ValueError(f"strike {strike} must be above 0 and at most {MAX_STRIKE}")
        if (strike * 1000) != (strike * 1000).to_integral_value():
            raise ValueError(f"strike {strike} has more than three decimals")
        return strike

    @property
    def occ(self) -> str:
        """The padded 21-character OSI symbol, as tastytrade's order legs expect it."""
        return format_occ(self.root, self.expiration, self.option_type, self.strike)

    @property
    def streamer(self) -> str:
        """The DXLink streamer symbol (`.SPY250117P450`)."""
        return (
            f".{self.root}{self.expiration:%y%m%d}{self.option_type.value}"
            f"{_plain_decimal(self.strike)}"
        )

    def __str__(self) -> str:
        return self.occ


def _plain_decimal(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# Pure functions of their text: a journal names the same few contracts on many rows.
_SYMBOL_CACHE = 65_536


@lru_cache(maxsize=_SYMBOL_CACHE)
def format_occ(root: str, expiration: date, option_type: OptionType | str, strike: Decimal) -> str:
    """Format an OSI symbol: `format_occ("SPY", date(2025,1,17), "P", Decimal(450))`."""
    if not _ROOT.match(root):
        raise SymbolError(f"option root {root!r} must be 1-6 upper-case letters or digits")
    if not 2000 <= expiration.year <= 2099:
        raise SymbolError(f"expiration {expiration} cannot be written as YYMMDD (2000-2099)")
    kind = OptionType(option_type)
    strike_milli = strike * 1000
    if strike <= 0 or strike > MAX_STRIKE or strike_milli != strike_milli.to_integral_value():
        raise SymbolError(f"strike {strike} cannot be written as 8 digits of strike x 1000")
    return f"{root:<{ROOT_WIDTH}}{expiration:%y%m%d}{kind.value}{int(strike_milli):08d}"


def _parse_date(text: str, symbol: str) -> date:
    """YYMMDD in 2000-2099 (OSI began in 2010; strptime's %y would put 69-99 in the 1900s)."""
    try:
        return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise SymbolError(f"option symbol {symbol!r}: {text!r} is not a YYMMDD date") from None


def _build_symbol(symbol: str, root: str, expiry: str, kind: str, strike: Decimal) -> OptionSymbol:
    try:
        return OptionSymbol(
            root=root,
            expiration=_parse_date(expiry, symbol),
            option_type=OptionType(kind),
            strike=strike,
        )
    except ValidationError as error:
        problem = error.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise SymbolError(f"option symbol {symbol!r}: {problem}") from None


@lru_cache(maxsize=_SYMBOL_CACHE)
def parse_occ(symbol: str) -> OptionSymbol:
    """Parse a padded 21-character OSI symbol (or the compact unpadded form on input)."""
    match = _OCC_PADDED.match(symbol)
    if match is not None:
        root = match["root"].rstrip()
        if not root or " " in root:
            raise SymbolError(f"option symbol {symbol!r}: the root must be left-justified")
    else:
        match = _OCC_COMPACT.match(symbol)
        if match is None:
            raise SymbolError(
                f"option symbol {symbol!r} is not OSI (root padded to 6, YYMMDD, C/P, 8 digits)"
            )
        root = match["root"]
    return _build_symbol(
        symbol, root, match["date"], match["type"], Decimal(match["strike"]) / 1000
    )


def parse_streamer(symbol: str) -> OptionSymbol:
    """Parse a DXLink streamer symbol such as `.AAPL250117C172.5` or `.BRKB1250117C400`."""
    match = _STREAMER.match(symbol)
    if match is None:
        raise SymbolError(f"{symbol!r} is not a streamer option symbol like '.SPY250117P450'")
    return _build_symbol(
        symbol, match["root"], match["date"], match["type"], Decimal(match["strike"])
    )


def occ_to_streamer(symbol: str) -> str:
    """`SPY   250117P00450000` -> `.SPY250117P450`."""
    return parse_occ(symbol).streamer


def streamer_to_occ(symbol: str) -> str:
    """`.XYZ250117C12.25` -> `XYZ   250117C00012250` (always 21 characters)."""
    return parse_streamer(symbol).occ


def underlying_for_root(root: str) -> str:
    """The underlying symbol of an option root: SPXW -> SPX; most roots are their underlying.

    Adjusted roots (`BRKB1`) are returned unchanged: pass the underlying explicitly when the
    broker or the CSV names it.
    """
    return ROOT_UNDERLYINGS.get(root, root)
