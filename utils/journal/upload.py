"""A CSV uploaded through the page, from the browser's data URL to a journal import.

Before anything is decoded or written, the name (no NUL or control character, at most 200
bytes) and the size (from the base64 length) are checked. The upload is then kept under
`data/imports/` with a generated name (`<UTC stamp>-<random>.csv`, written whole or not at all)
so the record of what was imported survives; its format is detected (unless the trader chose
one) and it is imported all or nothing, as the command line does. A refused import's file is
removed (refused uploads are not kept); after a committed one, only the newest 50 are kept.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import datetime
from enum import StrEnum
from pathlib import Path, PurePath

from pydantic import BaseModel, ConfigDict

from utils.core.files import write_bytes_atomically
from utils.journal.import_report import ImportReport
from utils.journal.import_text import DEFAULT_MAX_IMPORT_BYTES
from utils.journal.trade import Mode
from utils.journal.store import Journal
from utils.journal.importer import detect_format

IMPORTS_FOLDER = "imports"
FALLBACK_NAME = "upload.csv"
KEEP_UPLOADS = 50  # the newest kept in data/imports; older ones are pruned after each import
MAX_NAME_BYTES = 200  # a longer file name is refused (file systems stop at 255 bytes)


class ImportKind(StrEnum):
    """Which importer reads the file; AUTO detects it from the header line."""

    AUTO = "auto"
    TASTYTRADE = "tastytrade"
    JOURNAL = "journal"


class UploadError(ValueError):
    """The browser's upload was refused or could not be decoded; the message names the file."""


class UploadImport(BaseModel):
    """Where the upload was kept (None when refused: a refused file is not kept) and what
    importing it did."""

    model_config = ConfigDict(frozen=True)

    saved_as: Path | None
    report: ImportReport

    @property
    def changed_journal(self) -> bool:
        """True when the import committed and added or closed at least one trade."""
        return self.report.committed and bool(self.report.added or self.report.closed)


def display_name(file_name: str | None) -> str:
    """The upload's own name, shown in reports (directory parts dropped); UploadError when it
    holds a NUL or control character or is longer than MAX_NAME_BYTES bytes."""
    name = file_name or FALLBACK_NAME
    if any(ord(character) < 32 or character == "\x7f" for character in name):
        raise UploadError("the file name holds a control character (e.g. NUL); rename the file")
    if len(name.encode("utf-8", errors="replace")) > MAX_NAME_BYTES:
        raise UploadError(
            f"the file name is longer than {MAX_NAME_BYTES} bytes; rename the file "
            f"({name[:40]!r}...)"
        )
    return PurePath(name.replace("\\", "/")).name or FALLBACK_NAME


def decode_data_url(
    contents: str, file_name: str, max_bytes: int = DEFAULT_MAX_IMPORT_BYTES
) -> bytes:
    """The bytes of a base64 data URL (`data:text/csv;base64,...`); UploadError if unreadable.

    The size limit is checked on the base64 text before decoding (4 characters per 3 bytes).
    """
    head, comma, body = contents.partition(",")
    if not comma:
        raise UploadError(f"{file_name}: the upload could not be read; try again.")
    size = len(body) * 3 // 4
    if size > max_bytes:
        raise UploadError(
            f"{file_name}: is {size / 1_048_576:.1f} MB, over the "
            f"{max_bytes / 1_048_576:.0f} MB import limit; split it by date range (nothing "
            "was kept)"
        )
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error:
        raise UploadError(f"{file_name}: the upload could not be read; try again.") from None


def keep_upload(data_dir: Path, payload: bytes, now: datetime) -> Path:
    """Write the upload whole (or not at all) to `data_dir/imports/<UTC stamp>-<random>.csv`.

    The stored name is generated: the browser's file name never becomes a path.
    """
    name = f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(6)}.csv"
    return write_bytes_atomically(data_dir / IMPORTS_FOLDER / name, payload)


def prune_uploads(data_dir: Path, keep: int = KEEP_UPLOADS) -> list[Path]:
    """Remove all but the newest `keep` kept uploads (by their stamped name); the removed."""
    folder = data_dir / IMPORTS_FOLDER
    kept = sorted(folder.glob("*.csv"), key=lambda path: path.name, reverse=True)
    removed = []
    for path in kept[keep:]:
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


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
    max_bytes: int = DEFAULT_MAX_IMPORT_BYTES,
    keep_uploads: int = KEEP_UPLOADS,
    playbook: str | None = None,
) -> UploadImport:
    """Check, decode, keep and import one uploaded CSV.

    UploadError when the upload is refused (name, size, unreadable) and StorageError when it
    cannot be kept (disk full, read-only folder): nothing is kept then. A refused import's file is
    removed again; after a committed one, old uploads are pruned. `playbook` names the playbook
    a tastytrade history followed (declared at this import).
    """
    name = display_name(file_name)
    payload = decode_data_url(contents, name, max_bytes)
    path = keep_upload(data_dir, payload, now)
    try:
        chosen = ImportKind(detect_format(path)) if kind is ImportKind.AUTO else kind
        if chosen is ImportKind.TASTYTRADE:
            report = journal.import_tastytrade_csv(
                path,
                mode=mode,
                skip_bad=skip_bad,
                max_bytes=max_bytes,
                file_name=name,
                playbook=playbook or None,
            )
        elif playbook:
            raise UploadError(
                f"{name}: a playbook applies to a tastytrade history; the journal CSV carries "
                "each trade's own plan. Choose 'no playbook'."
            )
        else:
            report = journal.import_journal_csv(
                path, skip_bad=skip_bad, max_bytes=max_bytes, file_name=name
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if not report.committed:
        path.unlink(missing_ok=True)
        return UploadImport(saved_as=None, report=report)
    prune_uploads(data_dir, keep_uploads)
    return UploadImport(saved_as=path, report=report)
