"""The trade journal: SQLite store, models, CSV formats and the command line."""
