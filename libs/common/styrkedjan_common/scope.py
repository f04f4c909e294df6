"""Who may read and write what, object by object: the gateway checked the caller's role for the
operation; here each object's org unit is checked against the caller's scope (OWASP API1)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.problems import Forbidden

# Decided material is open to every signed-in user (offentlighetsprincipen); the rest in scope.
PUBLISHED = frozenset({Status.DECIDED, Status.ARCHIVED})
READS_EVERYTHING = frozenset({Role.REVISOR})


def ensure_can_write(principal: Principal, org_unit_id: uuid.UUID | str, roles: Iterable[Role], what: str) -> None:
    """Refuses a write on `org_unit_id` unless one of the caller's assignments with one of
    `roles` covers it. The refusal names the rule."""
    allowed = tuple(roles)
    if not principal.has_any_role(allowed):
        names = ", ".join(sorted(r.value for r in allowed))
        raise Forbidden(f"{what} is written by the roles: {names}")
    if not principal.can_act_on(str(org_unit_id), allowed):
        raise Forbidden(f"{what} belongs to org unit {org_unit_id}, which is outside your scope")


def can_read_unpublished(principal: Principal, org_unit_id: uuid.UUID | str) -> bool:
    """Drafts and proposals are read in scope (any role's), by the auditors, and by a service on the
    operations that declare it (it reads the whole municipality there, drafts included)."""
    if principal.service is not None or principal.has_any_role(READS_EVERYTHING):
        return True
    return any(a.covers(str(org_unit_id)) for a in principal.assignments)


def can_read(principal: Principal, status: str, org_unit_id: uuid.UUID | str) -> bool:
    return Status(status) in PUBLISHED or can_read_unpublished(principal, org_unit_id)


def readable_units(principal: Principal) -> frozenset[str] | None:
    """The org units whose unpublished material the caller reads; None means all of them."""
    if principal.service is not None or principal.has_any_role(READS_EVERYTHING):
        return None
    units: set[str] = set()
    for a in principal.assignments:
        if a.scope is None:
            return None
        units |= a.scope
    return frozenset(units)


def unit_ids(units: Iterable[str]) -> frozenset[uuid.UUID]:
    """Scope entries as ids, for queries; an entry that is not a UUID names no stored unit."""
    ids = set()
    for unit in units:
        try:
            ids.add(uuid.UUID(unit))
        except ValueError:
            continue
    return frozenset(ids)


def readable_unit_ids(principal: Principal) -> frozenset[uuid.UUID] | None:
    """`readable_units` as ids."""
    units = readable_units(principal)
    return None if units is None else unit_ids(units)
