"""One evidence reading shared by every card and the export until something it depends on changes.

The evidence is a function of the stores, the CI record and the moment `now`. It depends on
`now` only by comparing it with instants in the data (a trade's open, close or time exit, an
exit plan declared after entry and its time exit, an alert, its halt's end, the latch, the
sandbox run) and by the New York session `now` falls in.
So a reading taken at `now0` is exactly the reading at `now1` when

- no store changed (`EvidenceStores.data_version`: any commit to the journal file by any
  connection but the audit log's head anchor, and of the audit log the entries the working
  orders are read from: an order sent, or its end, changes the judgement; a preview or an
  export does not),
- the CI status is the same,
- `now1` is in the same session as `now0`, and no instant of the data lies in (now0, now1],
- and it was taken less than `MAX_AGE` ago (so the times shown stay recent; the age counts
  from the end of the reading, which may take longer than that on a very large journal).

`EvidenceCache.evidence(now)` returns the shared reading, gathering anew only when it no longer
holds; `EvidenceCache.version(now)` is what that reading depends on, cheap enough for a page to
ask every tick whether anything it shows changed. A new reading reads the journal's judging
frame on from the last one's (`Journal.judging_read(previous)`: only the trades changed or
added since; the same frame as a whole read), and its closed trades and the discipline's
figures at each entry, stable breaches and session verdicts on from the last ones
(`closed_after`, `utils.judge.discipline.kept_of`).
The broker guard never reuses a reading: `EvidenceCache.fresh(now)` gathers the evidence anew for
each order (reading the journal on from the last reading, under the same lock, so two readings of
a large journal are never in memory at once) and leaves it as the shared reading.
"""

from __future__ import annotations

import gc
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from utils.core.config import Settings
from utils.core.sessions import Clock, session_of, to_utc, utc_now
from utils.journal.judging_read import JudgingRead
from utils.judge.closed_delta import closed_after
from utils.judge.discipline import KeptDiscipline, kept_of
from utils.judge.evidence import CockpitEvidence, EvidenceStores, gather_evidence
from utils.project.ci_status import CiStatus, ci_status

MAX_AGE = timedelta(seconds=60)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class EvidenceVersion:
    """What a reading depends on: the stores' stamp, the CI status, the session, and how many of
    the data's instants have passed."""

    stores: tuple[int, ...]
    ci: CiStatus
    session: date
    instants_passed: int

    @property
    def token(self) -> str:
        """A short text a page can keep and compare."""
        ci = zlib.crc32(self.ci.model_dump_json().encode())
        stamp = ".".join(str(part) for part in self.stores)
        return f"{stamp}.{self.session}.{self.instants_passed}.{ci}"


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Build many small long-lived objects without the cyclic collector re-scanning them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _microseconds(moment: datetime) -> int:
    """A UTC instant as integer microseconds since the epoch (exact, orderable)."""
    delta = to_utc(moment) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


_NAT = np.iinfo(np.int64).min  # NaT as int64 nanoseconds


@dataclass(frozen=True)
class DataInstants:
    """The data's instants a reading taken at `taken` compares `now` with: how many are at or
    before `taken`, and the later ones, sorted (int microseconds). Only a later one can pass."""

    taken: int
    before: int
    after: np.ndarray

    @classmethod
    def split(cls, taken: int, arrays: Sequence[np.ndarray]) -> DataInstants:
        """The instants of `arrays` (int microseconds, any order) as seen from `taken`."""
        before, after = 0, []
        for instants in arrays:
            later = instants > taken
            before += len(instants) - int(np.count_nonzero(later))
            after.append(instants[later])
        return cls(taken, before, np.sort(np.concatenate(after)))

    def passed(self, now: datetime) -> int:
        """How many of the instants are at or before `now` (not before the reading's time)."""
        moment = _microseconds(now)
        if moment < self.taken:
            raise ValueError("the instants passed are counted from the reading's time on")
        return self.before + int(np.searchsorted(self.after, moment, side="right"))


def _frame_microseconds(column: pd.Series) -> np.ndarray:
    """A judging-frame instant column as int microseconds, NaT left out (exact: the journal
    keeps microseconds)."""
    stamps = pd.DatetimeIndex(column).asi8
    return stamps[stamps != _NAT] // 1000


def evidence_instants(evidence: CockpitEvidence, halt_hours: int) -> DataInstants:
    """Every instant of the data a judgement compares `now` with, counted up to the reading's
    time and listed after it."""
    frame = evidence.frame
    trade_instants = [  # (the entry plan's time exit: journaled, or declared by playbook)
        _frame_microseconds(frame[name])
        for name in ("opened_at", "closed_at", "time_exit_at", "entry_time_exit_at")
    ]
    moments: list[datetime | None] = []
    for trade in evidence.planned_later:  # a plan declared after entry, its time exit
        for declaration in trade.exit_plans:
            moments += (declaration.recorded_at, declaration.plan.time_exit_at)
    for alert in evidence.alerts:
        raised = to_utc(alert.raised_at)
        moments += (raised, raised + timedelta(hours=halt_hours), alert.acknowledged_at)
    moments += (evidence.halt.started_at, evidence.halt.until)
    moments += (evidence.latch.set_at, evidence.latch.cleared_at)
    if evidence.sandbox is not None:
        moments.append(evidence.sandbox.ran_at)
    moments += [order.submitted_at for order in evidence.working]
    others = np.array([_microseconds(m) for m in moments if m is not None], dtype="int64")
    return DataInstants.split(_microseconds(evidence.now), (*trade_instants, others))


@dataclass(frozen=True)
class EvidenceSource:
    """Where a reading comes from: the stores, the settings and the checkout."""

    stores: EvidenceStores
    settings: Settings
    root: Path


@dataclass(frozen=True)
class _ReadOn:
    """What a reading leaves the next one to read on from: its judging read, closed trades and
    what the discipline keeps (`kept_of`)."""

    source: EvidenceSource
    judging: JudgingRead
    closed: pd.DataFrame
    figures: KeptDiscipline | None


@dataclass
class _Reading:
    source: EvidenceSource
    evidence: CockpitEvidence
    stores: tuple[int, ...]
    ci: CiStatus
    instants: DataInstants
    fresh_until: datetime

    def holds_at(
        self, source: EvidenceSource, stores: tuple[int, ...], ci: CiStatus, now: datetime
    ) -> bool:
        """Whether this reading is exactly the evidence at `now` (see the module docstring)."""
        taken, moment = to_utc(self.evidence.now), to_utc(now)
        return (
            self.source == source
            and self.stores == stores
            and self.ci == ci
            and taken <= moment < self.fresh_until
            and session_of(moment) == session_of(taken)
            and self.instants.passed(moment) == self.instants.before
        )

    @property
    def version(self) -> EvidenceVersion:
        """What this reading depends on."""
        taken = self.evidence.now
        return EvidenceVersion(self.stores, self.ci, session_of(taken), self.instants.before)


class EvidenceCache:
    """The last evidence reading, reused while it still holds (thread-safe)."""

    def __init__(
        self, clock: Clock = utc_now, ci: Callable[[Path, Path], CiStatus] = ci_status
    ) -> None:
        self._clock = clock
        self._ci = ci
        self._lock = threading.Lock()
        self._reading: _Reading | None = None
        self._judging: _ReadOn | None = None  # what the last reading leaves the next one

    def _reading_at(self, source: EvidenceSource, now: datetime, *, anew: bool = False) -> _Reading:
        with self._lock:
            stores = source.stores.data_version()
            ci = self._ci(source.root, source.settings.data_dir)
            if not anew and self._reading and self._reading.holds_at(source, stores, ci, now):
                return self._reading
            self._reading = None  # never two readings of a large journal in memory at once
            settings = source.settings
            with _collector_paused():
                # What the last reading left, each let go once read on from (two frames, or
                # two sets of closed trades, are in memory only while one is built).
                previous, closed, figures = self._previous_judging(source)
                judging = source.stores.journal.judging_read(previous)
                del previous
                closed = closed_after(judging.frame, judging.kept, closed)
                read_on = None if figures is None else (figures, judging.kept)
                evidence = gather_evidence(
                    source.stores,
                    settings=settings,
                    root=source.root,
                    now=now,
                    ci=ci,
                    judging_frame=judging.frame,
                    closed=closed,
                    read_on=read_on,
                )
                self._judging = _ReadOn(source, judging, closed, kept_of(evidence.discipline))
                instants = evidence_instants(evidence, settings.halt_hours)
            fresh_until = to_utc(self._clock()) + MAX_AGE
            self._reading = _Reading(source, evidence, stores, evidence.ci, instants, fresh_until)
            return self._reading

    def _previous_judging(
        self, source: EvidenceSource
    ) -> tuple[JudgingRead | None, pd.DataFrame | None, KeptDiscipline | None]:
        """What the last reading left when it was of this source: its judging read, closed
        trades and what its discipline keeps (kept no longer: only the new ones stay in memory)."""
        previous, self._judging = self._judging, None
        if previous is None or previous.source != source:
            return None, None, None
        return previous.judging, previous.closed, previous.figures

    def evidence(self, source: EvidenceSource, now: datetime) -> CockpitEvidence:
        """The evidence at `now`: the shared reading while it still holds, else read anew."""
        return self._reading_at(source, now).evidence

    def fresh(self, source: EvidenceSource, now: datetime) -> CockpitEvidence:
        """The evidence gathered anew at `now`, whatever the shared reading says (the broker
        guard's, for each order); it reads the journal on from the last reading and becomes
        the shared one."""
        return self._reading_at(source, now, anew=True).evidence

    def version(self, source: EvidenceSource, now: datetime) -> EvidenceVersion:
        """What the evidence at `now` depends on: equal versions, equal cards. Cheap while
        nothing changed (two small reads); reads the evidence anew when something did."""
        return self._reading_at(source, now).version
