"""The Spreads Cockpit: a Dash app served on 127.0.0.1:8050 (debug off by default).

Start-up mistakes (a bad `.env` value, an unusable DATA_DIR, a damaged state file) stop it
with one message naming the key or file and exit code 2, never a traceback.
"""

from __future__ import annotations

import logging
import sys

import dash_bootstrap_components as dbc
from dash import Dash, html
from flask import abort, request

from components import order_book_panel, refresh, signals
from components.cards import (
    alerts,
    broker,
    close_ticket,
    discipline,
    expectancy,
    export,
    graduation,
    journal,
    ticket,
)
from components.context import CockpitContext, DataFileError, build_context
from components.http_security import CockpitRequestHandler, harden
from utils.core.config import (
    PROJECT_ROOT,
    ConfigError,
    Settings,
    credential_notes,
    ensure_data_dir,
    load_settings,
)
from utils.project.env_hygiene import check_env_hygiene

log = logging.getLogger("cockpit")
# Rows of (card module, width on a large screen).
PAGE_ROWS = (
    ((graduation, 5), (broker, 4), (alerts, 3)),
    ((expectancy, 7), (discipline, 5)),
    ((ticket, 8), (export, 4)),
    ((journal, 12),),
    ((close_ticket, 12),),
)
# What registers callbacks: the cards with controls of their own, then the evidence refresh
# that fills the judging cards (Graduation, Discipline, Expectancy, the Broker's mode).
CALLBACKS = (alerts, broker, export, ticket, journal, close_ticket, refresh)


def allowed_hosts(settings: Settings) -> set[str]:
    """Host headers the app answers (a defence against DNS rebinding); HOST is loopback."""
    port = settings.port
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return {f"{host}:{port}", f"127.0.0.1:{port}", f"localhost:{port}"}


def create_app(ctx: CockpitContext) -> Dash:
    """Build the Dash app from the cards; nothing here touches money or rules."""
    ctx.settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Bootstrap 5's CSS and the page's own script come from assets/: no CDN, no network.
    app = Dash(__name__, title="Spreads Cockpit", serve_locally=True)
    hosts = allowed_hosts(ctx.settings)

    @app.server.before_request
    def _refuse_foreign_host():
        if request.host not in hosts:
            abort(400, description="Unexpected Host header")

    app.layout = lambda: dbc.Container(
        [
            html.H1("Spreads Cockpit", className="my-3"),
            html.P(
                "It says 'not yet' until the evidence says you are ready, and shows why.",
                className="lead",
            ),
            signals.layout(),
            *[
                dbc.Row(
                    [dbc.Col(card.layout(ctx), lg=width, className="mb-3") for card, width in row]
                )
                for row in PAGE_ROWS
            ],
        ],
        fluid=True,
    )
    for module in CALLBACKS:
        module.register(app, ctx)
    harden(app)  # last: its script policy hashes every inline script the callbacks added
    return app


def main() -> int:
    """Start the cockpit; a bad `.env` stops start-up with a message, not a traceback."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        settings = load_settings()
        ensure_data_dir(settings)
        for warning in check_env_hygiene(PROJECT_ROOT):
            log.warning(warning.message)
        for note in credential_notes(settings):
            log.warning(note)
        ctx = build_context(settings, PROJECT_ROOT)
    except (ConfigError, DataFileError) as error:
        print(error, file=sys.stderr)
        return 2
    app = create_app(ctx)
    order_book_panel.start_up(ctx)  # reconcile working orders and sync fills, in the background
    log.info("Spreads Cockpit on http://%s:%d/", settings.host, settings.port)
    app.run(
        host=settings.host,
        port=settings.port,
        debug=settings.dash_debug,
        load_dotenv=False,  # settings come from load_settings; .env never enters os.environ
        request_handler=CockpitRequestHandler,
        dev_tools_disable_version_check=True,  # debug mode too makes no outside request
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
