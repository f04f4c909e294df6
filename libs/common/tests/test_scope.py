"""Scope checks object by object: who writes on an org unit, who reads what is not yet decided."""

import uuid

import pytest

from styrkedjan_common.identity import Role
from styrkedjan_common.problems import Forbidden
from styrkedjan_common.scope import can_read, ensure_can_write, readable_unit_ids, readable_units
from styrkedjan_common.testing import principal

BOARD, OTHER = str(uuid.uuid4()), str(uuid.uuid4())


def test_a_write_in_scope_with_an_allowed_role_passes():
    ensure_can_write(principal(Role.NAMND, BOARD, [BOARD]), BOARD, (Role.NAMND,), "a board goal")


def test_a_write_by_a_role_outside_the_rule_is_refused_naming_the_roles():
    with pytest.raises(Forbidden, match="a board goal is written by the roles: forvaltning, namnd"):
        ensure_can_write(principal(Role.ENHET, BOARD, [BOARD]), BOARD, (Role.NAMND, Role.FORVALTNING), "a board goal")


def test_a_write_outside_scope_is_refused_naming_the_unit():
    with pytest.raises(Forbidden, match=f"belongs to org unit {OTHER}, which is outside your scope"):
        ensure_can_write(principal(Role.NAMND, BOARD, [BOARD]), OTHER, (Role.NAMND,), "a board goal")


def test_decided_material_is_read_by_everyone_drafts_only_in_scope_and_by_the_auditors():
    outsider, auditor = principal(Role.NAMND, OTHER, [OTHER]), principal(Role.REVISOR)
    assert can_read(outsider, "DECIDED", BOARD) and can_read(outsider, "ARCHIVED", BOARD)
    assert not can_read(outsider, "DRAFT", BOARD)
    assert can_read(principal(Role.ENHET, BOARD, [BOARD]), "PROPOSED", BOARD)
    assert can_read(auditor, "DRAFT", BOARD)


def test_readable_units_are_the_union_of_the_callers_scopes_and_none_means_all():
    assert readable_units(principal(Role.REVISOR, BOARD, [BOARD])) is None
    assert readable_units(principal(Role.FULLMAKTIGE)) is None
    assert readable_units(principal(Role.NAMND, BOARD, [BOARD])) == {BOARD}


def test_readable_unit_ids_leave_out_entries_that_are_no_uuid():
    assert readable_unit_ids(principal(Role.NAMND, "root", [BOARD])) == {uuid.UUID(BOARD)}
