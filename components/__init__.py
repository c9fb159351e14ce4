"""Dash cards of the cockpit: one module per card, each with layout() and its callbacks."""
