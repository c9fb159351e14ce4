"""Reading the `.env` file itself: lines python-dotenv cannot parse, bytes that are not UTF-8.

python-dotenv skips a line it cannot parse (an unterminated quote, say) without a word, and
pydantic-settings raises a bare UnicodeDecodeError on a non-UTF-8 byte. These checks run first
and name the file, the line and its key, never the value. `raw_secret_values` collects the
values given for secret keys, so an error about another key can be scrubbed of them even when
no Settings object could be built.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import parse_stream

SCRUB_MIN_LENGTH = 4
_KEY = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=")


class EnvFileError(Exception):
    """The env file cannot be read; the message names the file and line, never a value."""


def _key_of(line: str) -> str | None:
    match = _KEY.match(line)
    return match.group(1) if match else None


def _where(path: Path, line_number: int, key: str | None) -> str:
    return f"{path}: line {line_number}" + (f" ({key})" if key else "")


def read_env_text(path: Path) -> str | None:
    """The file's text (None when it does not exist); EnvFileError when it cannot be read."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise EnvFileError(f"{path} is a folder, not an env file") from None
    except OSError as error:
        raise EnvFileError(f"{path} cannot be read: {error.strerror or error}") from None
    raw = raw.removeprefix(codecs.BOM_UTF8)  # python-dotenv skips it too
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line_number = raw.count(b"\n", 0, error.start) + 1
        start = raw.rfind(b"\n", 0, error.start) + 1
        key = _key_of(raw[start : error.start].decode("ascii", errors="replace"))
        raise EnvFileError(
            f"{_where(path, line_number, key)} is not valid UTF-8 text: save the file as UTF-8 "
            "(the value is not shown)"
        ) from None


def check_env_file(path: Path) -> None:
    """Refuse a file with undecodable bytes or lines python-dotenv would silently drop."""
    text = read_env_text(path)
    if text is None:
        return
    problems = []
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            first_line = binding.original.string.splitlines()[0] if binding.original.string else ""
            where = _where(path, binding.original.line, _key_of(first_line))
            problems.append(
                f"{where} cannot be parsed and would be ignored: check its quotes "
                "(an opening quote needs a closing one); the value is not shown"
            )
    if problems:
        raise EnvFileError("\n".join(problems))


def raw_secret_values(
    path: Path, names: Iterable[str], environ: Mapping[str, str], extra: Iterable[object] = ()
) -> list[str]:
    """Every non-empty value given for a secret key, in the file or the environment.

    Read without building Settings, so an error about another key can still be scrubbed.
    `names` are the secret keys (any case); `extra` are values given directly (overrides).
    """
    wanted = {name.lower() for name in names}
    values: list[object] = list(extra)
    text = read_env_text(path)
    if text is not None:
        parsed = dotenv_values(stream=io.StringIO(text))
        values += [value for key, value in parsed.items() if key.lower() in wanted]
    values += [value for key, value in environ.items() if key.lower() in wanted]
    found: set[str] = set()
    for value in values:
        secret = getattr(value, "get_secret_value", lambda v=value: v)()
        if isinstance(secret, str):
            found.update(s for s in (secret, secret.strip()) if s)
    return sorted(found, key=len, reverse=True)


def matches_secret(value: str, secrets: Iterable[str]) -> bool:
    """True when `value` is a secret or contains one (of at least SCRUB_MIN_LENGTH chars)."""
    return any(s == value or (len(s) >= SCRUB_MIN_LENGTH and s in value) for s in secrets if s)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret (of at least SCRUB_MIN_LENGTH chars) replaced by ***.

    Shorter secrets are left alone: replacing "x" would garble every message while hiding
    nothing a reader could tell apart from the message's own letters.
    """
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= SCRUB_MIN_LENGTH:
            text = text.replace(secret, "***")
    return text
