"""The broker guard: target, mode, pre-trade checks, confirmation, the order path."""
