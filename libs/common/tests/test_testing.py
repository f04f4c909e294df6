"""The test helpers build the callers the suites believe they build."""

import pytest

from styrkedjan_common import testing
from styrkedjan_common.identity import AssertionVerifier, Role
from styrkedjan_common.testing import ASSERTION_ISSUER, assertion_headers, principal


def test_default_caller_has_the_whole_municipality_in_scope():
    caller = principal(Role.FULLMAKTIGE)
    assert caller.scope_of((Role.FULLMAKTIGE,)) is None and caller.user_id == "user-fullmaktige"


@pytest.mark.parametrize(
    ("scope", "expected"), [(["adm-1", "unit-1"], {"board-1", "adm-1", "unit-1"}), ("adm-1", {"board-1", "adm-1"}), (None, {"board-1"})]
)
def test_scoped_caller_covers_its_own_unit_and_the_listed_ones(scope, expected):
    caller = principal(Role.NAMND, "board-1", scope)
    assert caller.scope_of((Role.NAMND,)) == frozenset(expected)
    assert not caller.can_act_on("a", (Role.NAMND,))


def test_assertion_headers_are_accepted_by_a_verifier_for_that_audience():
    keys = testing.TestKeys.generate()
    headers = assertion_headers(keys, "followup", principal(Role.REVISOR, user_id="r-1"))
    verifier = AssertionVerifier(keys.public_pem, ASSERTION_ISSUER, "followup")
    assert verifier.verify(headers["x-identity-assertion"]).user_id == "r-1"
