"""Every integer in a query or a path is bounded by its domain (a 422 naming it, never a 500 from the
database), and every list's page size by the shared maximum."""

from styrkedjan_common.testing_bounds import bounded_inputs_contract

# A global goal is named by its number 1–17, one of a fixed set: another number names none (404).
TestBoundedInputs = bounded_inputs_contract(identifiers=frozenset({("/api/goals/v1/sdgs/{number}", "number")}))
