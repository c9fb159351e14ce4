"""A CSV uploaded through the page, from the browser's data URL to a journal import.

The upload is kept under `data/imports/` (stamped with the time it arrived) so the record of
what was imported survives; then its format is detected (unless the trader chose one) and it is
imported all or nothing, as the command line does.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from utils.journal.import_report import ImportReport
from utils.journal.trade import Mode
from utils.journal.store import Journal
from utils.journal.importer import detect_format

IMPORTS_FOLDER = "imports"
FALLBACK_NAME = "upload.csv"


class ImportKind(StrEnum):
    """Which importer reads the file; AUTO detects it from the header line."""

    AUTO = "auto"
    TASTYTRADE = "tastytrade"
    JOURNAL = "journal"


class UploadError(ValueError):
    """The browser's upload could not be decoded; the message names the file."""


class UploadImport(BaseModel):
    """Where the upload was kept and what importing it did."""

    model_config = ConfigDict(frozen=True)

    saved_as: Path
    report: ImportReport

    @property
    def changed_journal(self) -> bool:
        """True when the import committed and added or closed at least one trade."""
        return self.report.committed and bool(self.report.added or self.report.closed)


def decode_data_url(contents: str, file_name: str) -> bytes:
    """The bytes of a base64 data URL (`data:text/csv;base64,...`); UploadError if unreadable."""
    try:
        return base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (IndexError, binascii.Error):
        raise UploadError(f"{file_name}: the upload could not be read; try again.") from None


def keep_upload(data_dir: Path, file_name: str | None, payload: bytes, now: datetime) -> Path:
    """Write the upload to `data_dir/imports/<stamp>-<name>` (directory parts dropped)."""
    folder = data_dir / IMPORTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{now:%Y%m%dT%H%M%S}-{Path(file_name or FALLBACK_NAME).name}"
    path.write_bytes(payload)
    return path


def import_upload(
    journal: Journal,
    *,
    data_dir: Path,
    contents: str,
    file_name: str | None,
    kind: ImportKind,
    mode: Mode,
    skip_bad: bool,
    now: datetime,
    playbook: str | None = None,
) -> UploadImport:
    """Decode, keep and import one uploaded CSV; UploadError when the upload is unreadable.

    `playbook` names the playbook a tastytrade history followed (declared at this import).
    """
    payload = decode_data_url(contents, file_name or FALLBACK_NAME)
    path = keep_upload(data_dir, file_name, payload, now)
    chosen = ImportKind(detect_format(path)) if kind is ImportKind.AUTO else kind
    if chosen is ImportKind.TASTYTRADE:
        report = journal.import_tastytrade_csv(
            path, mode=mode, skip_bad=skip_bad, playbook=playbook or None
        )
    elif playbook:
        raise UploadError(
            f"{path.name}: a playbook applies to a tastytrade history; the journal CSV carries "
            "each trade's own plan. Choose 'no playbook'."
        )
    else:
        report = journal.import_journal_csv(path, skip_bad=skip_bad)
    return UploadImport(saved_as=path, report=report)
