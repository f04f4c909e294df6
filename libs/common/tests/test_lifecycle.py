"""The decision lifecycle: DRAFT → PROPOSED → DECIDED → ARCHIVED, PROPOSED → DRAFT, nothing else."""

import itertools

import pytest
from pydantic import ValidationError

from styrkedjan_common.lifecycle import Decision, Status, Transition, ensure_editable, next_status
from styrkedjan_common.problems import RuleViolation

ALLOWED = {
    (Status.DRAFT, Transition.PROPOSE): Status.PROPOSED,
    (Status.PROPOSED, Transition.RETURN_TO_DRAFT): Status.DRAFT,
    (Status.PROPOSED, Transition.DECIDE): Status.DECIDED,
    (Status.DECIDED, Transition.ARCHIVE): Status.ARCHIVED,
}
REFUSED = [pair for pair in itertools.product(Status, Transition) if pair not in ALLOWED]


@pytest.mark.parametrize(("current", "transition"), list(ALLOWED))
def test_allowed_transition_reaches_its_target(current, transition):
    assert next_status(current, transition) == ALLOWED[(current, transition)]


@pytest.mark.parametrize(("current", "transition"), REFUSED)
def test_every_other_transition_is_refused_naming_the_rule(current, transition):
    with pytest.raises(RuleViolation) as refused:
        next_status(current, transition)
    assert refused.value.status == 409
    assert refused.value.detail.startswith("decision lifecycle:")
    assert transition.value in refused.value.detail and current.value in refused.value.detail


def test_refused_transitions_cover_all_twelve_other_pairs():
    assert len(REFUSED) == 12


def test_archived_is_final():
    for transition in Transition:
        with pytest.raises(RuleViolation):
            next_status(Status.ARCHIVED, transition)


def test_draft_is_editable():
    ensure_editable(Status.DRAFT)


def test_proposed_is_returned_to_draft_before_editing():
    with pytest.raises(RuleViolation, match="return it to draft first"):
        ensure_editable(Status.PROPOSED)


@pytest.mark.parametrize("status", [Status.DECIDED, Status.ARCHIVED])
def test_decided_and_archived_are_immutable(status):
    with pytest.raises(RuleViolation, match="immutable; create a new revision"):
        ensure_editable(status)


@pytest.mark.parametrize(
    "changes", [{"body": ""}, {"reference": ""}, {"decision_date": "not a date"}, {"reference": "x" * 101}, {"body": "x" * 201}]
)
def test_decision_needs_body_date_and_reference(changes):
    decision = {"body": "Kommunfullmäktige", "decision_date": "2027-06-14", "reference": "KF § 45/2027"}
    Decision.model_validate(decision)
    with pytest.raises(ValidationError):
        Decision.model_validate(decision | changes)
