"""Append-only records: HIGH alerts and the halt, the audit log, sandbox runs."""
