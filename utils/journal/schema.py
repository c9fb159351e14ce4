"""The journal's tables, as forward migrations (append new scripts; never edit a shipped one).

Money is stored as integer cents (`*_cents`), prices per share as decimal text, timestamps as
UTC ISO-8601 text of fixed width (so text order is time order), sessions as `YYYY-MM-DD`.
Triggers keep the evidence honest: a trade is never deleted, its opening facts never change,
a close is written once, and the followed-plan answer is given once.
"""

from __future__ import annotations

JOURNAL_COMPONENT = "journal"

_V1 = """
CREATE TABLE trades (
    id                  INTEGER PRIMARY KEY,
    uid                 TEXT NOT NULL UNIQUE,
    parent_id           INTEGER REFERENCES trades(id),
    structure           TEXT NOT NULL CHECK (structure IN
                          ('vertical', 'iron_condor', 'iron_butterfly', 'butterfly',
                           'other_defined_risk')),
    underlying          TEXT NOT NULL,
    quantity            INTEGER NOT NULL CHECK (quantity >= 1),
    multiplier          INTEGER NOT NULL CHECK (multiplier >= 1),
    mode                TEXT NOT NULL CHECK (mode IN ('SIM', 'SANDBOX', 'LIVE')),
    source              TEXT NOT NULL,
    opened_at           TEXT NOT NULL,
    session             TEXT NOT NULL,
    entry_price         TEXT NOT NULL,
    entry_effect        TEXT NOT NULL CHECK (entry_effect IN ('Credit', 'Debit')),
    max_loss_cents      INTEGER NOT NULL CHECK (max_loss_cents > 0),
    max_profit_cents    INTEGER CHECK (max_profit_cents > 0),
    open_fees_cents     INTEGER NOT NULL,
    setup               TEXT,
    profit_target_cents INTEGER CHECK (profit_target_cents > 0),
    stop_loss_cents     INTEGER CHECK (stop_loss_cents > 0),
    time_exit_at        TEXT,
    closed_at           TEXT,
    close_session       TEXT,
    exit_price          TEXT,
    exit_effect         TEXT CHECK (exit_effect IN ('Credit', 'Debit')),
    fees_cents          INTEGER NOT NULL,
    net_pnl_cents       INTEGER,
    close_reason        TEXT,
    followed_plan       INTEGER CHECK (followed_plan IN (0, 1)),
    created_at          TEXT NOT NULL,
    CHECK ((closed_at IS NULL) = (net_pnl_cents IS NULL)),
    CHECK ((closed_at IS NULL) = (close_session IS NULL)),
    CHECK (closed_at IS NULL OR closed_at >= opened_at)
);
CREATE INDEX trades_by_close ON trades (closed_at, id);
CREATE INDEX trades_by_session ON trades (session);

CREATE TABLE trade_legs (
    trade_id    INTEGER NOT NULL REFERENCES trades(id),
    position    INTEGER NOT NULL,
    occ_symbol  TEXT NOT NULL,
    option_type TEXT NOT NULL CHECK (option_type IN ('C', 'P')),
    strike      TEXT NOT NULL,
    expiration  TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('Buy to Open', 'Sell to Open')),
    quantity    INTEGER NOT NULL CHECK (quantity >= 1),
    PRIMARY KEY (trade_id, position)
) WITHOUT ROWID;

CREATE TABLE trade_orders (
    trade_id        INTEGER NOT NULL REFERENCES trades(id),
    broker_order_id TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('open', 'close')),
    position        INTEGER NOT NULL,
    PRIMARY KEY (trade_id, broker_order_id)
) WITHOUT ROWID;
CREATE INDEX trade_orders_by_order ON trade_orders (broker_order_id);

CREATE TABLE trade_tags (
    trade_id INTEGER NOT NULL REFERENCES trades(id),
    tag      TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (trade_id, tag)
) WITHOUT ROWID;

CREATE TABLE trade_mistakes (
    trade_id INTEGER NOT NULL REFERENCES trades(id),
    mistake  TEXT NOT NULL,
    noted_at TEXT NOT NULL,
    PRIMARY KEY (trade_id, mistake)
) WITHOUT ROWID;

CREATE TABLE trade_notes (
    id       INTEGER PRIMARY KEY,
    trade_id INTEGER NOT NULL REFERENCES trades(id),
    noted_at TEXT NOT NULL,
    body     TEXT NOT NULL
);
CREATE INDEX trade_notes_by_trade ON trade_notes (trade_id);

CREATE TABLE trade_fills (
    id              INTEGER PRIMARY KEY,
    trade_id        INTEGER NOT NULL REFERENCES trades(id),
    fill_key        TEXT NOT NULL UNIQUE,
    broker_order_id TEXT,
    symbol          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    quantity        INTEGER NOT NULL,
    value_cents     INTEGER NOT NULL,
    fees_cents      INTEGER NOT NULL,
    executed_at     TEXT NOT NULL,
    source_line     INTEGER
);
CREATE INDEX trade_fills_by_trade ON trade_fills (trade_id);

CREATE TABLE journal_events (
    id       INTEGER PRIMARY KEY,
    trade_id INTEGER NOT NULL REFERENCES trades(id),
    kind     TEXT NOT NULL CHECK (kind IN ('open', 'close', 'tag', 'mistake', 'note', 'review')),
    at       TEXT NOT NULL,
    session  TEXT NOT NULL
);
CREATE INDEX journal_events_by_session ON journal_events (session);

CREATE TABLE imports (
    id                 INTEGER PRIMARY KEY,
    source             TEXT NOT NULL,
    file_name          TEXT NOT NULL,
    file_sha256        TEXT NOT NULL,
    imported_at        TEXT NOT NULL,
    added              INTEGER NOT NULL,
    closed             INTEGER NOT NULL,
    skipped_duplicates INTEGER NOT NULL,
    skipped_bad        INTEGER NOT NULL
);

CREATE TRIGGER trades_never_deleted BEFORE DELETE ON trades
BEGIN
    SELECT RAISE(ABORT, 'journal trades are never deleted');
END;

CREATE TRIGGER trades_opening_facts_fixed
BEFORE UPDATE OF uid, parent_id, structure, underlying, quantity, multiplier, mode, source,
    opened_at, session, entry_price, entry_effect, max_loss_cents, max_profit_cents,
    open_fees_cents, setup, profit_target_cents, stop_loss_cents, time_exit_at, created_at
ON trades
BEGIN
    SELECT RAISE(ABORT, 'the opening facts of a journaled trade never change');
END;

CREATE TRIGGER trades_close_written_once
BEFORE UPDATE OF closed_at, close_session, exit_price, exit_effect, fees_cents, net_pnl_cents,
    close_reason ON trades
WHEN OLD.closed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a closed trade''s close is never rewritten');
END;

CREATE TRIGGER trades_plan_answer_once
BEFORE UPDATE OF followed_plan ON trades
WHEN OLD.followed_plan IS NOT NULL AND NEW.followed_plan IS NOT OLD.followed_plan
BEGIN
    SELECT RAISE(ABORT, 'the followed-plan answer is given once');
END;

CREATE TRIGGER trade_legs_fixed BEFORE UPDATE ON trade_legs
BEGIN
    SELECT RAISE(ABORT, 'the legs of a journaled trade never change');
END;

CREATE TRIGGER trade_legs_never_deleted BEFORE DELETE ON trade_legs
BEGIN
    SELECT RAISE(ABORT, 'the legs of a journaled trade are never deleted');
END;

CREATE TRIGGER journal_events_append_only BEFORE UPDATE ON journal_events
BEGIN
    SELECT RAISE(ABORT, 'journal events are append-only');
END;

CREATE TRIGGER journal_events_never_deleted BEFORE DELETE ON journal_events
BEGIN
    SELECT RAISE(ABORT, 'journal events are append-only');
END;
"""

# Strict imports (issue 13, findings 5 and 6): a trade the broker opened that is not a defined-risk
# spread is journaled with a flag (its 1R is a documented stand-in, utils.journal.undefined_risk),
# and an import that skipped bad rows keeps the list of what it skipped.
_V2_STRICT_IMPORT = """
CREATE TABLE trade_risk_flags (
    trade_id    INTEGER PRIMARY KEY REFERENCES trades(id),
    flag        TEXT NOT NULL CHECK (flag IN ('not_defined_risk')),
    shape       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    one_r_basis TEXT NOT NULL,
    flagged_at  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE import_skips (
    import_id INTEGER NOT NULL REFERENCES imports(id),
    position  INTEGER NOT NULL,
    line      INTEGER,
    field     TEXT,
    message   TEXT NOT NULL,
    PRIMARY KEY (import_id, position)
) WITHOUT ROWID;

CREATE TRIGGER trade_risk_flags_fixed BEFORE UPDATE ON trade_risk_flags
BEGIN
    SELECT RAISE(ABORT, 'a trade''s risk flag never changes');
END;

CREATE TRIGGER trade_risk_flags_never_deleted BEFORE DELETE ON trade_risk_flags
BEGIN
    SELECT RAISE(ABORT, 'a trade''s risk flag is never deleted');
END;

CREATE TRIGGER import_skips_append_only BEFORE UPDATE ON import_skips
BEGIN
    SELECT RAISE(ABORT, 'an import''s skipped rows are a record: never changed');
END;
"""

# A closing order for part of a spread's units: the trade stays open until its last unit closes,
# then closes once at the quantity-weighted exit of every part (utils.journal.partial_closes).
_V2_CLOSE_TICKET = """
CREATE TABLE trade_partial_closes (
    id              INTEGER PRIMARY KEY,
    trade_id        INTEGER NOT NULL REFERENCES trades(id),
    quantity        INTEGER NOT NULL CHECK (quantity >= 1),
    closed_at       TEXT NOT NULL,
    exit_price      TEXT NOT NULL,
    exit_effect     TEXT NOT NULL CHECK (exit_effect IN ('Credit', 'Debit')),
    fees_cents      INTEGER NOT NULL CHECK (fees_cents >= 0),
    created_at      TEXT NOT NULL
);
CREATE INDEX trade_partial_closes_by_trade ON trade_partial_closes (trade_id);

CREATE TRIGGER trade_partial_closes_fixed BEFORE UPDATE ON trade_partial_closes
BEGIN
    SELECT RAISE(ABORT, 'a partial close is never rewritten');
END;

CREATE TRIGGER trade_partial_closes_never_deleted BEFORE DELETE ON trade_partial_closes
BEGIN
    SELECT RAISE(ABORT, 'a partial close is never deleted');
END;
"""

# Exit plans declared after a trade was journaled (after entry, or by playbook at import) and
# playbooks (named setups with a default exit plan): both append-only; a playbook edit is a new
# version, so a declaration always names the rule text it used (utils.journal.exit_plans).
_V2_EXIT_PLANS = """
CREATE TABLE playbooks (
    id                       INTEGER PRIMARY KEY,
    name                     TEXT NOT NULL,
    version                  INTEGER NOT NULL CHECK (version >= 1),
    target_pct_of_max_profit INTEGER CHECK (target_pct_of_max_profit BETWEEN 1 AND 100),
    stop_multiple_of_entry   TEXT,
    time_exit_dte            INTEGER CHECK (time_exit_dte >= 0),
    recorded_at              TEXT NOT NULL,
    UNIQUE (name, version),
    CHECK (target_pct_of_max_profit IS NOT NULL OR stop_multiple_of_entry IS NOT NULL
           OR time_exit_dte IS NOT NULL)
);

CREATE TABLE exit_plans (
    id                  INTEGER PRIMARY KEY,
    trade_id            INTEGER NOT NULL REFERENCES trades(id),
    declared            TEXT NOT NULL CHECK (declared IN ('after_entry', 'playbook_at_import')),
    playbook_id         INTEGER REFERENCES playbooks(id),
    profit_target_cents INTEGER CHECK (profit_target_cents > 0),
    stop_loss_cents     INTEGER CHECK (stop_loss_cents > 0),
    time_exit_at        TEXT,
    recorded_at         TEXT NOT NULL,
    CHECK (profit_target_cents IS NOT NULL OR stop_loss_cents IS NOT NULL
           OR time_exit_at IS NOT NULL),
    CHECK ((declared = 'playbook_at_import') = (playbook_id IS NOT NULL))
);
CREATE INDEX exit_plans_by_trade ON exit_plans (trade_id, id);

CREATE TRIGGER playbooks_append_only BEFORE UPDATE ON playbooks
BEGIN
    SELECT RAISE(ABORT, 'a playbook version never changes: save a new version');
END;

CREATE TRIGGER playbooks_never_deleted BEFORE DELETE ON playbooks
BEGIN
    SELECT RAISE(ABORT, 'playbooks are never deleted');
END;

CREATE TRIGGER exit_plans_append_only BEFORE UPDATE ON exit_plans
BEGIN
    SELECT RAISE(ABORT, 'a declared exit plan never changes: declare a new one');
END;

CREATE TRIGGER exit_plans_never_deleted BEFORE DELETE ON exit_plans
BEGIN
    SELECT RAISE(ABORT, 'declared exit plans are never deleted');
END;
"""

_V2_ACCOUNTS = """
CREATE TABLE trade_accounts (
    trade_id       INTEGER PRIMARY KEY REFERENCES trades(id),
    account_number TEXT NOT NULL CHECK (account_number <> '')
);

CREATE TRIGGER trade_accounts_fixed BEFORE UPDATE ON trade_accounts
BEGIN
    SELECT RAISE(ABORT, 'the account of a journaled trade never changes');
END;

CREATE TRIGGER trade_accounts_never_deleted BEFORE DELETE ON trade_accounts
BEGIN
    SELECT RAISE(ABORT, 'the account of a journaled trade is never deleted');
END;

CREATE TABLE broker_syncs (
    id             INTEGER PRIMARY KEY,
    account_number TEXT NOT NULL,
    mode           TEXT NOT NULL CHECK (mode IN ('SIM', 'SANDBOX', 'LIVE')),
    synced_at      TEXT NOT NULL,
    read           INTEGER NOT NULL,
    added          INTEGER NOT NULL,
    closed         INTEGER NOT NULL
);
CREATE INDEX broker_syncs_by_account ON broker_syncs (account_number, mode, synced_at);
"""

# The trades whose judging-frame row may have changed, in commit order, written by triggers so
# every writer (another process, any code path) is logged: a trade's update (its old and new id),
# a mistake, an exit plan or a risk flag written for it. A new trade is not logged: it has an id
# above every earlier one (ids are never reused: trades are never deleted), which the judging
# read since a previous one checks by counting (utils.journal.judging_delta).
_V3_INCREMENTAL_FRAME = """
CREATE TABLE trade_changes (
    seq      INTEGER PRIMARY KEY,
    trade_id INTEGER NOT NULL
);

CREATE TRIGGER trade_changes_on_trade_update AFTER UPDATE ON trades
BEGIN
    INSERT INTO trade_changes (trade_id) VALUES (NEW.id);
    INSERT INTO trade_changes (trade_id) SELECT OLD.id WHERE OLD.id IS NOT NEW.id;
END;

CREATE TRIGGER trade_changes_on_mistake AFTER INSERT ON trade_mistakes
BEGIN
    INSERT INTO trade_changes (trade_id) VALUES (NEW.trade_id);
END;

CREATE TRIGGER trade_changes_on_mistake_update AFTER UPDATE ON trade_mistakes
BEGIN
    INSERT INTO trade_changes (trade_id) VALUES (NEW.trade_id);
    INSERT INTO trade_changes (trade_id) VALUES (OLD.trade_id);
END;

CREATE TRIGGER trade_changes_on_mistake_delete AFTER DELETE ON trade_mistakes
BEGIN
    INSERT INTO trade_changes (trade_id) VALUES (OLD.trade_id);
END;

CREATE TRIGGER trade_changes_on_exit_plan AFTER INSERT ON exit_plans
BEGIN
    INSERT INTO trade_changes (trade_id) VALUES (NEW.trade_id);
END;

CREATE TRIGGER trade_changes_on_risk_flag AFTER INSERT ON trade_risk_flags
BEGIN
    INSERT INTO trade_changes (trade_id) VALUES (NEW.trade_id);
END;

CREATE TRIGGER trade_changes_append_only BEFORE UPDATE ON trade_changes
BEGIN
    SELECT RAISE(ABORT, 'the trade change log is append-only');
END;

CREATE TRIGGER trade_changes_never_deleted BEFORE DELETE ON trade_changes
BEGIN
    SELECT RAISE(ABORT, 'the trade change log is never deleted');
END;
"""

JOURNAL_MIGRATIONS: tuple[str, ...] = (
    _V1,
    _V2_STRICT_IMPORT,
    _V2_CLOSE_TICKET,
    _V2_EXIT_PLANS,
    _V2_ACCOUNTS,
    _V3_INCREMENTAL_FRAME,
)
