"""Building frozen pydantic models from values that are already valid, at the cost of a read.

`model_construct` loops over every field (aliases, defaults) for each instance; a journal read
or a discipline run builds hundreds of thousands of instances from values a validated model or
our own typed code produced, where that loop is most of the cost. `build_validated` sets the
instance's slots directly, exactly as `model_construct` does when every field is given.

    names = field_names(Trade)                  # one set shared by the instances of one read
    leg = build_validated(TradeLeg, {...every field, in declaration order...}, names)
"""

from __future__ import annotations

from copy import copy
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

ModelT = TypeVar("ModelT", bound=BaseModel)

# Values a private default may be shared as: immutable, so copying the defaults dict suffices.
_IMMUTABLE = (type(None), bool, int, float, str, bytes, Decimal, date, datetime, Enum, frozenset)
# Per model: its private defaults to copy, or None when some default must be built per instance.
_PRIVATE_DEFAULTS: dict[type[BaseModel], dict[str, Any] | None] = {}


def field_names(model: type[BaseModel]) -> set[str]:
    """A new set of `model`'s field names, to share as the fields-set of one batch of instances.

    Sharing is safe for frozen models: pydantic copies the set before changing it
    (`model_copy(update=...)`), and a frozen instance never adds to it. One set per batch (not
    per instance) halves the objects the garbage collector walks on a large read.
    """
    return set(model.model_fields)


def build_validated(
    model: type[ModelT], fields: dict[str, Any], fields_set: set[str] | None = None
) -> ModelT:
    """An instance of `model` from values validated before, as `model_construct` builds it.

    `fields` must hold every field of `model` in declaration order (it becomes the instance's
    `__dict__`); private attributes start at their defaults; `fields_set` is the shared set
    from `field_names` (a new one when omitted). No validation runs: only for values a
    validated model or typed code produced (e.g. journal rows the journal validated on write).
    """
    instance = model.__new__(model)
    object.__setattr__(instance, "__dict__", fields)
    object.__setattr__(
        instance, "__pydantic_fields_set__", set(fields) if fields_set is None else fields_set
    )
    object.__setattr__(instance, "__pydantic_extra__", None)
    private = model.__private_attributes__
    object.__setattr__(
        instance, "__pydantic_private__", _private_defaults(model, private) if private else None
    )
    return instance


def _private_defaults(model: type[BaseModel], private: dict[str, Any]) -> dict[str, Any]:
    """A new dict of `model`'s private defaults (computed once per model when all immutable)."""
    if model not in _PRIVATE_DEFAULTS:
        defaults = {name: attr.get_default() for name, attr in private.items()}
        shareable = all(isinstance(value, _IMMUTABLE) for value in defaults.values())
        _PRIVATE_DEFAULTS[model] = defaults if shareable else None
    template = _PRIVATE_DEFAULTS[model]
    if template is None:
        return {name: attr.get_default() for name, attr in private.items()}
    return dict(template)


def updated_copy(instance: ModelT, update: dict[str, Any]) -> ModelT:
    """`instance.model_copy(update=update)`: a shallow copy with `update`'s fields set, not
    validated, without `model_copy`'s generic steps (for models without extra fields)."""
    model = type(instance)
    copied = model.__new__(model)
    object.__setattr__(copied, "__dict__", {**instance.__dict__, **update})
    object.__setattr__(copied, "__pydantic_extra__", copy(instance.__pydantic_extra__))
    object.__setattr__(
        copied, "__pydantic_fields_set__", instance.__pydantic_fields_set__ | update.keys()
    )
    private = instance.__pydantic_private__
    if private is not None:
        private = {name: value for name, value in private.items() if value is not PydanticUndefined}
    object.__setattr__(copied, "__pydantic_private__", private)
    return copied
