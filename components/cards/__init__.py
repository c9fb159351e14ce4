"""The cockpit's cards: one module each, with its ids, layout() and register(app, ctx)."""
