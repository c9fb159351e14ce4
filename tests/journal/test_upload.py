"""A CSV uploaded through the page: decoded, kept under data/imports/, detected and imported."""

from __future__ import annotations

import base64
import re
from datetime import datetime, timezone

import pytest

from utils.core.config import PROJECT_ROOT
from utils.journal.trade import Mode
from utils.journal.store import Journal
from utils.journal.upload import (
    ImportKind,
    UploadError,
    decode_data_url,
    display_name,
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


def test_the_upload_is_kept_stamped_under_a_generated_name(tmp_path):
    path = keep_upload(tmp_path, b"x", NOW)
    assert path.parent == tmp_path / "imports" and path.read_bytes() == b"x"
    assert re.fullmatch(r"20250303T150405-[0-9a-f]{12}\.csv", path.name)
    assert keep_upload(tmp_path, b"y", NOW) != path
    assert sorted(p.name for p in path.parent.iterdir()) == sorted(
        p.name for p in path.parent.glob("*.csv")
    ), "no temporary file is left"


def test_the_shown_name_drops_directory_parts():
    assert display_name("../../elsewhere/history.csv") == "history.csv"
    assert display_name("C:\\Users\\me\\history.csv") == "history.csv"
    assert display_name(None) == "upload.csv"


def test_a_tastytrade_history_is_detected_and_imported(journal, tmp_path):
    done = upload(journal, tmp_path, TASTY_FIXTURE.read_bytes())
    assert done.saved_as is not None and done.saved_as.parent == tmp_path / "data" / "imports"
    assert done.saved_as.read_bytes() == TASTY_FIXTURE.read_bytes()
    assert done.report.file_name == "history.csv"
    assert done.report.committed and done.report.added == len(journal.list_trades()) > 0
    assert done.changed_journal
    again = upload(journal, tmp_path, TASTY_FIXTURE.read_bytes())
    assert again.report.committed and again.report.added == 0
    assert not again.changed_journal, "nothing new: the judging cards need no refresh"


def test_a_chosen_format_is_used_as_chosen(journal, tmp_path):
    done = upload(journal, tmp_path, TASTY_FIXTURE.read_bytes(), kind=ImportKind.JOURNAL)
    assert not done.report.committed and done.report.source == "journal_csv"
    assert not done.changed_journal and journal.list_trades() == []


def imports_folder(tmp_path):
    folder = tmp_path / "data" / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_refused_import_is_not_kept(journal, tmp_path):
    done = upload(journal, tmp_path, b"not,a,journal\r\n1,2,3\r\n")
    assert not done.report.committed and done.saved_as is None
    assert imports_folder(tmp_path) == []


def test_an_oversized_upload_is_refused_from_its_base64_length_before_decoding(journal, tmp_path):
    oversized = "data:text/csv;base64," + "!" * (4 * 1024)  # not even base64: never decoded
    with pytest.raises(UploadError, match=r"over the 0 MB import limit"):
        import_upload(
            journal,
            data_dir=tmp_path / "data",
            contents=oversized,
            file_name="big.csv",
            kind=ImportKind.AUTO,
            mode=Mode.SANDBOX,
            skip_bad=False,
            now=NOW,
            max_bytes=1024,
        )
    assert imports_folder(tmp_path) == []


@pytest.mark.parametrize(
    "name, fragment",
    [("a" * 236 + ".csv", "longer than 200 bytes"), ("his\x00tory.csv", "control character")],
)
def test_a_long_or_nul_file_name_is_a_named_refusal(journal, tmp_path, name, fragment):
    with pytest.raises(UploadError, match=fragment):
        upload(journal, tmp_path, TASTY_FIXTURE.read_bytes(), name=name)
    assert imports_folder(tmp_path) == [] and journal.list_trades() == []


def test_old_uploads_are_pruned_to_the_newest_kept(journal, tmp_path):
    folder = tmp_path / "data" / "imports"
    folder.mkdir(parents=True)
    for day in range(1, 6):
        (folder / f"202501{day:02d}T000000-{day:012x}.csv").write_bytes(b"old")
    done = import_upload(
        journal,
        data_dir=tmp_path / "data",
        contents=data_url(TASTY_FIXTURE.read_bytes()),
        file_name="history.csv",
        kind=ImportKind.AUTO,
        mode=Mode.SANDBOX,
        skip_bad=False,
        now=NOW,
        keep_uploads=3,
    )
    kept = [path.name for path in imports_folder(tmp_path)]
    assert len(kept) == 3 and done.saved_as.name in kept
    assert kept[:2] == ["20250104T000000-000000000004.csv", "20250105T000000-000000000005.csv"]
