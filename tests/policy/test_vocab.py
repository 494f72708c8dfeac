"""The engine's value sets and CPR reading agree with ssd_gateway.model."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssd_gateway.model import cpr
from ssd_gateway.model.codes import (
    Basis,
    Category,
    ConsentForm,
    FeedbackOutcome,
    GrantorRole,
    NotifierKind,
    Purpose,
    Sector,
    StafetlogStatus,
)
from ssd_gateway.policy import request as policy_request
from ssd_gateway.policy import vocab


@pytest.mark.parametrize("mine,theirs", [
    (vocab.SECTORS, Sector), (vocab.CATEGORIES, Category), (vocab.PURPOSES, Purpose),
    (vocab.BASES, Basis), (vocab.NOTIFIER_KINDS, NotifierKind),
    (vocab.FEEDBACK_OUTCOMES, FeedbackOutcome), (vocab.STAFETLOG_STATUSES, StafetlogStatus),
    (vocab.CONSENT_FORMS, ConsentForm), (vocab.GRANTOR_ROLES, GrantorRole),
])
def test_value_sets_match_model_codes(mine: frozenset[str], theirs: type) -> None:
    """Each value set equals the model enum of the same name."""
    assert mine == {member.value for member in theirs}  # type: ignore[attr-defined]


@given(st.from_regex(r"\A\d{6}-?\d{4}\Z"))
def test_cpr_birth_date_matches_model(text: str) -> None:
    """The engine reads the same birth date (or the same impossibility) as the model."""
    try:
        expected = cpr.birth_date(text)
    except ValueError:
        with pytest.raises(ValueError):
            policy_request.cpr_birth_date(text)
        return
    assert policy_request.cpr_birth_date(text) == expected


@given(st.text(alphabet="0123456789- abc", max_size=30))
def test_looks_like_cpr_matches_model(text: str) -> None:
    """The anonymity check finds exactly the CPR-like numbers the model finds."""
    assert policy_request.looks_like_cpr(text) == cpr.looks_like_cpr(text)
