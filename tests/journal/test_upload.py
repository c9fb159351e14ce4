"""A CSV uploaded through the page: decoded, kept under data/imports/, detected and imported."""

from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest

from utils.core.config import PROJECT_ROOT
from utils.journal.trade import Mode
from utils.journal.store import Journal
from utils.journal.upload import (
    ImportKind,
    UploadError,
    decode_data_url,
    import_upload,
    keep_upload,
)

NOW = datetime(2025, 3, 3, 15, 4, 5, tzinfo=timezone.utc)
TASTY_FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "journal" / "tasty_history.csv"


def data_url(payload: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(payload).decode("ascii")


@pytest.fixture
def journal(tmp_path):
    opened = Journal.open(tmp_path / "data")
    yield opened
    opened.close()


def upload(journal, tmp_path, payload: bytes, kind=ImportKind.AUTO, name="history.csv"):
    return import_upload(
        journal,
        data_dir=tmp_path / "data",
        contents=data_url(payload),
        file_name=name,
        kind=kind,
        mode=Mode.SANDBOX,
        skip_bad=False,
        now=NOW,
    )


def test_data_url_decodes_to_the_file_bytes():
    assert decode_data_url(data_url(b"Date,Type\n"), "a.csv") == b"Date,Type\n"


@pytest.mark.parametrize("contents", ["no comma here", "data:text/csv;base64,@@not base64@@"])
def test_an_unreadable_upload_names_the_file(contents):
    with pytest.raises(UploadError, match=r"^a\.csv: the upload could not be read; try again\.$"):
        decode_data_url(contents, "a.csv")


def test_the_upload_is_kept_stamped_without_directory_parts(tmp_path):
    path = keep_upload(tmp_path, "../../elsewhere/history.csv", b"x", NOW)
    assert path == tmp_path / "imports" / "20250303T150405-history.csv"
    assert path.read_bytes() == b"x"
    assert keep_upload(tmp_path, None, b"y", NOW).name == "20250303T150405-upload.csv"


def test_a_tastytrade_history_is_detected_and_imported(journal, tmp_path):
    done = upload(journal, tmp_path, TASTY_FIXTURE.read_bytes())
    assert done.saved_as == tmp_path / "data" / "imports" / "20250303T150405-history.csv"
    assert done.saved_as.read_bytes() == TASTY_FIXTURE.read_bytes()
    assert done.report.committed and done.report.added == len(journal.list_trades()) > 0
    assert done.changed_journal
    again = upload(journal, tmp_path, TASTY_FIXTURE.read_bytes())
    assert again.report.committed and again.report.added == 0
    assert not again.changed_journal, "nothing new: the judging cards need no refresh"


def test_a_chosen_format_is_used_as_chosen(journal, tmp_path):
    done = upload(journal, tmp_path, TASTY_FIXTURE.read_bytes(), kind=ImportKind.JOURNAL)
    assert not done.report.committed and done.report.source == "journal_csv"
    assert not done.changed_journal and journal.list_trades() == []
