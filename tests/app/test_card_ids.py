"""Ids are an API: one constant per id, in one place per card, never a literal in a render
function, never the same id twice on the page."""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest

from app_dash import create_app
from components import order_book_panel, preflight_panel, roll_panel, signals
from components.cards import exit_plan
from components.context import build_context
from tests.app.dash_tree import ids
from tests.support.live_server import cockpit_settings
from utils.core.config import PROJECT_ROOT

COMPONENTS = PROJECT_ROOT / "components"
CARDS = (
    "alerts",
    "broker",
    "close_ticket",
    "discipline",
    "expectancy",
    "export",
    "graduation",
    "journal",
    "ticket",
)


def id_constants(holder) -> dict[str, str]:
    return {
        name: value
        for name, value in vars(holder).items()
        if name.isupper() and isinstance(value, str)
    }


def every_id_constant() -> list[tuple[str, str]]:
    found = []
    for card in CARDS:
        module = importlib.import_module(f"components.cards.{card}")
        found += [(f"{card}.{name}", value) for name, value in id_constants(module.Ids).items()]
    found += [(f"preflight_panel.{n}", v) for n, v in id_constants(preflight_panel.Ids).items()]
    found += [(f"order_book_panel.{n}", v) for n, v in id_constants(order_book_panel.Ids).items()]
    found += [(f"roll_panel.{n}", v) for n, v in id_constants(roll_panel.Ids).items()]
    found += [(f"exit_plan.{n}", v) for n, v in id_constants(exit_plan.Ids).items()]
    found += [("signals.JOURNAL_CHANGED", signals.JOURNAL_CHANGED), ("signals.TICK", signals.TICK)]
    found += [("signals.EVIDENCE_VERSION", signals.EVIDENCE_VERSION)]
    return found


def test_every_card_keeps_its_ids_in_one_class():
    for card in CARDS:
        module = importlib.import_module(f"components.cards.{card}")
        assert id_constants(module.Ids), f"{card} has an Ids class with its ids"
        assert module.Ids.CARD.startswith("card-")


def test_no_id_is_declared_twice():
    values = [value for _, value in every_id_constant()]
    duplicated = sorted({v for v in values if values.count(v) > 1})
    assert duplicated == []


def _literal_ids(path: Path) -> list[str]:
    """`id="..."` keywords and `{"type": "..."}` pattern ids written as literals."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.keyword) and node.arg == "id":
            if isinstance(node.value, (ast.Constant, ast.JoinedStr)):
                found.append(f"{path.name}:{node.lineno}")
            if isinstance(node.value, ast.Dict) and any(
                isinstance(v, ast.Constant) and isinstance(v.value, str) for v in node.value.values
            ):
                found.append(f"{path.name}:{node.lineno}")
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in (
            "Input",
            "Output",
            "State",
        ):
            first = node.args[0] if node.args else None
            if isinstance(first, (ast.Constant, ast.JoinedStr)):
                found.append(f"{path.name}:{node.lineno}")
    return found


@pytest.mark.parametrize("path", sorted(COMPONENTS.rglob("*.py")), ids=lambda p: p.name)
def test_no_literal_id_in_a_component(path):
    assert _literal_ids(path) == []


def test_the_page_has_each_id_once(tmp_path):
    settings = cockpit_settings(tmp_path)
    ctx = build_context(settings, tmp_path)
    try:
        page = create_app(ctx).layout()
    finally:
        ctx.guard.close()
        for store in (ctx.stores.journal, ctx.stores.alerts, ctx.stores.latch, ctx.stores.sandbox):
            store.close()
    on_page = [json.dumps(i, sort_keys=True) if isinstance(i, dict) else i for i in ids(page)]
    assert len(on_page) == len(set(on_page)), sorted(i for i in on_page if on_page.count(i) > 1)
    declared = {value for _, value in every_id_constant()}
    assert {i for i in on_page if isinstance(i, str)} <= declared, "every id is a constant"
