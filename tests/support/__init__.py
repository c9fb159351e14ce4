"""Shared test helpers: rigs, factories, the live app server, the browser."""
