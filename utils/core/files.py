"""Writing a file whole or not at all, with a clear message when the disk is full or read-only.

Every file the cockpit writes (uploads kept for the record, the journal and compliance exports)
goes through `atomic_output`: a temporary file in the same folder, written, flushed and fsynced,
then renamed over the target (a rename within one folder is atomic). On any failure the temporary
file is removed, so no partial file is ever left, and an OSError becomes a `StorageError` whose
message says what to do ("the disk is full", "the folder is read-only").
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
READ_ONLY = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})

Opener = Callable[..., IO[Any]]


class StorageError(Exception):
    """A file could not be written (disk full, read-only folder...); the message says why."""


def storage_message(error: OSError, path: Path) -> str:
    """One sentence a trader can act on for a failed write of `path`."""
    where = f"cannot write {path.name} in {path.parent}"
    if error.errno in FULL:
        return f"{where}: the disk is full; free some space and try again (nothing was written)"
    if error.errno in READ_ONLY:
        return (
            f"{where}: the folder is read-only (or not writable by this user); make it writable "
            "or point DATA_DIR elsewhere (nothing was written)"
        )
    return f"{where}: {error.strerror or error} (nothing was written)"


def _remove(path: str) -> None:
    with suppress(FileNotFoundError):
        os.unlink(path)


@contextmanager
def atomic_output(path: Path, *, binary: bool = False, opener: Opener = os.fdopen) -> Iterator[IO]:
    """A stream whose content replaces `path` only once fully written and synced to disk.

    `opener` turns the temporary file's descriptor into a stream (`os.fdopen`): the one place a
    test may put a failing disk.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name[:60]}.", suffix=".partial"
        )
    except OSError as error:
        raise StorageError(storage_message(error, path)) from None
    try:
        text = {} if binary else {"encoding": "utf-8", "newline": ""}
        with opener(descriptor, "wb" if binary else "w", **text) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:
        _remove(temporary)
        raise StorageError(storage_message(error, path)) from None
    except BaseException:
        _remove(temporary)
        raise


def write_bytes_atomically(path: Path, payload: bytes, *, opener: Opener = os.fdopen) -> Path:
    """Write `payload` to `path` whole or not at all (see `atomic_output`)."""
    with atomic_output(path, binary=True, opener=opener) as stream:
        stream.write(payload)
    return Path(path)
