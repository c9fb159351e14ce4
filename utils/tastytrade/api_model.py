"""The tastytrade Open API's common shapes: kebab-case models, signed amounts, errors, pages.

Money is `Decimal` (the API sends it as strings, sometimes as numbers); amounts are unsigned with
a sibling `*-effect` of Credit / Debit / None that gives the sign (see `signed_amount`). Unknown
extra fields are ignored, because the API adds fields without notice; a missing required field is
a validation error that the client turns into a `MalformedResponse` naming the field.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError


def kebab_alias(name: str) -> str:
    """The API's dasherized key for a Python field name (`price_effect` -> `price-effect`)."""
    return name.replace("_", "-")


class TastyModel(BaseModel):
    """Base for every API shape: kebab-case aliases, frozen, extra keys ignored."""

    model_config = ConfigDict(
        alias_generator=kebab_alias,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="ignore",
        frozen=True,
    )


class Effect(StrEnum):
    """The sign of an unsigned API amount."""

    CREDIT = "Credit"
    DEBIT = "Debit"
    NONE = "None"


def signed_amount(amount: Decimal, effect: str | None) -> Decimal:
    """An unsigned API amount with its sign applied: Debit is negative, Credit/None positive."""
    return -amount if effect == Effect.DEBIT else amount


class ApiErrorDetail(TastyModel):
    """One item of `error.errors[]` (seen both as code/message and as domain/reason)."""

    code: str | None = None
    message: str | None = None
    domain: str | None = None
    reason: str | None = None

    def describe(self) -> str:
        """`code: message` for a trader to read."""
        code = self.code or self.domain or "error"
        return f"{code}: {self.message or self.reason or ''}".rstrip(": ")


class ApiError(TastyModel):
    """The documented `error` envelope."""

    code: str | int | None = None
    message: str | None = None
    errors: list[ApiErrorDetail] = Field(default_factory=list)


class ApiMessage(TastyModel):
    """A warning or note of a dry-run/submit answer."""

    code: str | None = None
    message: str | None = None


class Pagination(TastyModel):
    """The `pagination` block of a paged list."""

    per_page: int
    page_offset: int
    total_pages: int
    total_items: int | None = None
    current_item_count: int | None = None


def describe_validation(error: ValidationError) -> str:
    """Every problem of a validation error as `field: message`, joined by `; `."""
    parts = []
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)
