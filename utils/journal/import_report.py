"""What an import did: its counts, and every problem found, by line and field."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ImportIssue(BaseModel):
    """One problem in an imported file: where (line, field) and what to do about it."""

    model_config = ConfigDict(frozen=True)

    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "file"
        return f"{where}{f' ({self.field})' if self.field else ''}: {self.message}"


class ImportReport(BaseModel):
    """What an import did: counts, and every error (nothing imported) or warning."""

    model_config = ConfigDict(frozen=True)

    source: str
    file_name: str
    committed: bool
    added: int = 0
    flagged: int = 0  # of `added`: positions that are not defined-risk spreads, flagged
    closed: int = 0
    skipped_duplicates: int = 0
    skipped_bad: int = 0
    ignored_rows: int = 0
    errors: tuple[ImportIssue, ...] = ()
    warnings: tuple[ImportIssue, ...] = ()
    playbook: str | None = None
    playbook_declared: int = 0
    rollback: tuple[str, ...] = ()  # the rollback triggers the import made fire, and so what

    @property
    def has_row_errors(self) -> bool:
        """Some errors name a row: importing the good orders (skipping those) is possible."""
        return any(issue.line is not None and issue.line > 1 for issue in self.errors)

    def summary(self) -> str:
        """One line for a card or the command line."""
        if not self.committed:
            return f"{self.file_name}: nothing imported, {len(self.errors)} error(s)"
        parts = [f"{self.added} added"]
        if self.flagged:
            parts.append(f"{self.flagged} NOT defined-risk (flagged, HIGH alert)")
        if self.closed:
            parts.append(f"{self.closed} closed")
        parts.append(f"{self.skipped_duplicates} already in the journal")
        if self.skipped_bad:
            parts.append(f"{self.skipped_bad} row(s) skipped (bad, or in a bad order)")
        if self.warnings:
            parts.append(f"{len(self.warnings)} warning(s)")
        if self.playbook is not None:
            parts.append(
                f"playbook {self.playbook} declared at import for {self.playbook_declared} "
                "trade(s) without a plan"
            )
        return f"{self.file_name}: " + ", ".join(parts)
