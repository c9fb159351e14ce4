"""The exit-plan panel, the playbooks and the upload's playbook choice, called as the page calls
them (issue 13, finding 7): an imported history judged by its playbook; an import that makes a
rollback trigger fire says so; a plan set on a trade is shown as declared after entry."""

from __future__ import annotations

import base64

from app_dash import create_app
from components.cards import exit_plan, journal
from tests.app.dash_tree import find, text
from tests.support.tasty_spreads_factory import write_spread_history
from utils.judge.compliance import export_compliance_snapshot
from utils.judge.gates import GateCode


def _callback(app, name: str):
    for entry in app.callback_map.values():
        function = getattr(entry.get("callback"), "__wrapped__", None)
        if function is not None and function.__name__ == name:
            return function
    raise AssertionError(f"no callback {name}")


def _data_url(path) -> str:
    return "data:text/csv;base64," + base64.b64encode(path.read_bytes()).decode()


def _upload(ctx, path, playbook: str):
    shown, version, _ = journal.run_upload(
        ctx, _data_url(path), path.name, "auto", "LIVE", 3, good=False, playbook=playbook
    )
    return shown, version


def test_an_upload_that_makes_the_rollback_fire_says_so(empty_ctx, tmp_path):
    shown, version = _upload(empty_ctx, write_spread_history(tmp_path / "history.csv"), "")
    assert version == 4
    warning = find(shown, exit_plan.Ids.ROLLBACK_NEWS)
    assert text(warning).startswith(
        "This import makes the rollback protocol fire: DISCIPLINE_BELOW_MIN: Discipline 0/100 "
        "is below 70."
    )
    assert warning.color == "warning"


def test_a_playbook_saved_on_the_page_is_chosen_at_upload(empty_ctx, tmp_path):
    app = create_app(empty_ctx)
    saved, version = _callback(app, "save")(1, "50/2x/21", "50", "2", "21", 0)
    assert (saved.id, version) == (exit_plan.Ids.PLAYBOOK_OK, 1)
    listed, ticket_options, import_options = _callback(app, "playbooks")(version)
    assert text(listed).startswith(
        "50/2x/21 (v1): target 50 % of max profit, stop 2x the entry price, exit at 21 DTE"
    )
    assert ticket_options == import_options
    assert [o["value"] for o in import_options] == ["", "50/2x/21"]
    history = write_spread_history(tmp_path / "history.csv", losers=(25,))
    shown, _ = _upload(empty_ctx, history, "50/2x/21")
    assert text(find(shown, journal.Ids.IMPORT_OK)).endswith(
        "playbook 50/2x/21 (v1) declared at import for 30 trade(s) without a plan"
    )
    assert find(shown, exit_plan.Ids.ROLLBACK_NEWS) is None
    evidence = empty_ctx.evidence()
    assert evidence.discipline.score == 90  # one close beyond the playbook's stop
    declared = "playbook 50/2x/21 (v1), declared at import 2025-03-03 15:00Z"
    gate = evidence.gates.gate(GateCode.MIN_DISCIPLINE)
    assert gate.evidence["exit_plans"] == f"20 {declared}"
    assert gate.sentence.endswith(f"Exit plans in the window: 20 {declared}.")
    _, snapshot = export_compliance_snapshot(
        evidence, settings=empty_ctx.settings, root=empty_ctx.root, audit=empty_ctx.audit
    )
    (row,) = [r for r in snapshot.rows if r[1].startswith("exit_plans:")]
    assert row[:3] == ("discipline", "exit_plans:playbook_at_import", "20")
    assert row[-1] == f"{declared}: trades " + ", ".join(str(i) for i in range(11, 31))


def test_a_playbook_with_no_rule_is_refused_with_the_field(empty_ctx):
    saved, version = _callback(create_app(empty_ctx), "save")(1, "empty", "", "", "", 4)
    assert (saved.id, version) == (exit_plan.Ids.PLAYBOOK_REFUSED, 4)
    assert "needs a profit target, a stop or a time exit" in text(saved)


def test_a_plan_set_on_a_trade_is_shown_as_declared_after_entry(seeded_ctx):
    app = create_app(seeded_ctx)
    trade = seeded_ctx.journal.list_trades()[0]
    selected = [{"id": trade.id}]
    declared, version = _callback(app, "declare")(1, selected, "", "150.00", "", 2)
    assert (declared.id, version) == (exit_plan.Ids.MESSAGE_OK, 3)
    assert text(declared) == (
        f"Trade {trade.id}: stop $150.00 declared after entry at 2025-03-03 10:00 EST."
    )
    shown = text(_callback(app, "current")(selected, version))
    assert shown == (
        f"Trade {trade.id}: target $250.00, stop $500.00 (declared at entry) "
        "stop $150.00: declared after entry, recorded 2025-03-03 10:00 EST"
    )
    refused, same = _callback(app, "declare")(1, None, "", "150.00", "", 3)
    assert (refused.id, same) == (exit_plan.Ids.MESSAGE_REFUSED, 3)
    assert text(refused) == "Not declared: select a trade in the table first"
