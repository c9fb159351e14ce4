"""Outcomes are enums with properties, so a card asks `.refused` or `.working` instead of
comparing strings: each property pinned for every member."""

from __future__ import annotations

import pytest

from utils.broker.models import CancelOutcome, PlacementOutcome, PreviewOutcome


@pytest.mark.parametrize(
    "outcome, refused, ready",
    [
        (PreviewOutcome.REFUSED, True, False),
        (PreviewOutcome.BLOCKED_BY_DRY_RUN, False, False),
        (PreviewOutcome.READY_TO_CONFIRM, False, True),
    ],
)
def test_preview_outcome_properties(outcome, refused, ready):
    assert (outcome.refused, outcome.ready) == (refused, ready)


@pytest.mark.parametrize(
    "outcome, sent, accepted, working",
    [
        (PlacementOutcome.REFUSED, False, False, False),
        (PlacementOutcome.BLOCKED_BY_DRY_RUN, False, False, False),
        (PlacementOutcome.WORKING, True, True, True),
        (PlacementOutcome.PARTIALLY_FILLED, True, True, True),
        (PlacementOutcome.FILLED, True, True, False),
        (PlacementOutcome.REJECTED, True, False, False),
        (PlacementOutcome.CANCELLED, True, False, False),
        (PlacementOutcome.UNKNOWN, True, False, False),
    ],
)
def test_placement_outcome_properties(outcome, sent, accepted, working):
    assert (outcome.sent, outcome.accepted, outcome.working) == (sent, accepted, working)


def test_every_placement_outcome_is_pinned():
    assert len(PlacementOutcome) == 8 and len(PreviewOutcome) == 3 and len(CancelOutcome) == 3


@pytest.mark.parametrize(
    "outcome, refused",
    [
        (CancelOutcome.REFUSED, True),
        (CancelOutcome.CANCEL_REQUESTED, False),
        (CancelOutcome.CANCELLED, False),
    ],
)
def test_cancel_outcome_refused(outcome, refused):
    assert outcome.refused is refused
