"""Every integer in a query or a path is bounded by its domain (a 422 naming it, never a 500 from the
database), and every list's page size by the shared maximum."""

from styrkedjan_common.testing_bounds import bounded_inputs_contract

TestBoundedInputs = bounded_inputs_contract()
