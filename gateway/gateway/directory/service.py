"""Directory rules: one council at the root, a sensible hierarchy, history kept through validity dates."""

import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db import auditor
from gateway.directory import feed, repository
from gateway.directory.models import OrgUnit, OrgUnitType, PrincipalKind, RoleAssignment, User
from gateway.directory.schemas import (
    OrgUnitCreate,
    OrgUnitRead,
    OrgUnitUpdate,
    RoleAssignmentCreate,
    RoleAssignmentRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from styrkedjan_common.db import lock_for_rule
from styrkedjan_common.identity import Principal
from styrkedjan_common.problems import InvalidInput, NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of

T = OrgUnitType
# At most this many role assignments per user, expired ones included (they are listed with the rest).
MAX_ASSIGNMENTS_PER_USER = 50
ALLOWED_PARENTS: dict[OrgUnitType, frozenset[OrgUnitType]] = {
    T.COUNCIL: frozenset(),
    T.EXECUTIVE_BOARD: frozenset({T.COUNCIL}),
    T.BOARD: frozenset({T.COUNCIL}),
    T.COMPANY: frozenset({T.COUNCIL}),
    T.FEDERATION: frozenset({T.COUNCIL}),
    T.ADMINISTRATION: frozenset({T.EXECUTIVE_BOARD, T.BOARD, T.COMPANY, T.FEDERATION}),
    T.AREA: frozenset({T.ADMINISTRATION, T.AREA}),
    T.UNIT: frozenset({T.ADMINISTRATION, T.AREA, T.UNIT}),
}


def _dump(model: object, schema: type[BaseModel]) -> dict[str, Any]:
    return schema.model_validate(model).model_dump(mode="json")


async def get_org_unit(session: AsyncSession, unit_id: uuid.UUID) -> OrgUnit:
    unit = await repository.get_org_unit(session, unit_id)
    if unit is None:
        raise NotFound(f"no org unit {unit_id}")
    return unit


async def create_org_unit(session: AsyncSession, actor: Principal, data: OrgUnitCreate) -> OrgUnit:
    if data.type == T.COUNCIL:
        if data.parent_id is not None:
            raise InvalidInput(
                "the council is the root of the organisation and has no parent",
                errors=[{"pointer": "#/parent_id", "detail": "must be null for a council"}],
            )
        if await repository.root_units(session):
            raise RuleViolation("one deployment serves one municipality: a council already exists at the root")
    else:
        if data.parent_id is None:
            raise InvalidInput(f"a {data.type.value} needs a parent", errors=[{"pointer": "#/parent_id", "detail": "required"}])
        parent = await repository.get_org_unit(session, data.parent_id)
        if parent is None:
            raise InvalidInput("the parent does not exist", errors=[{"pointer": "#/parent_id", "detail": "unknown org unit"}])
        allowed = ALLOWED_PARENTS[data.type]
        if OrgUnitType(parent.type) not in allowed:
            names = ", ".join(sorted(t.value for t in allowed))
            raise RuleViolation(f"organisation hierarchy: a {data.type.value} sits under a {names}, not under a {parent.type}")
        if parent.valid_to is not None and parent.valid_to < data.valid_from:
            raise RuleViolation("the parent was closed before this unit starts")
    if data.predecessor_id is not None and await repository.get_org_unit(session, data.predecessor_id) is None:
        raise InvalidInput("the predecessor does not exist", errors=[{"pointer": "#/predecessor_id", "detail": "unknown org unit"}])
    unit = OrgUnit(**data.model_dump(mode="python") | {"type": data.type.value})
    session.add(unit)
    await feed.publish(session, unit)
    auditor.record(session, actor, "CREATE", "org_unit", unit.id, after=_dump(unit, OrgUnitRead))
    return unit


async def update_org_unit(session: AsyncSession, actor: Principal, unit: OrgUnit, data: OrgUnitUpdate) -> OrgUnit:
    before = _dump(unit, OrgUnitRead)
    changes = changes_of(data, nullable=frozenset({"valid_to"}))
    valid_from = changes.get("valid_from", unit.valid_from)
    valid_to = changes.get("valid_to", unit.valid_to)
    if valid_to is not None and valid_to < valid_from:
        raise InvalidInput("valid_to must not be before valid_from", errors=[{"pointer": "#/valid_to", "detail": "before valid_from"}])
    if valid_to is not None and await repository.has_open_children(session, unit.id, valid_to):
        raise RuleViolation("a unit cannot close while units under it stay open; close or replace them first")
    for name, value in changes.items():
        setattr(unit, name, value)
    await feed.publish(session, unit)
    auditor.record(session, actor, "UPDATE", "org_unit", unit.id, before=before, after=_dump(unit, OrgUnitRead))
    return unit


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    """A directory principal, person or machine client (both hold role assignments)."""
    user = await repository.get_user(session, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


async def get_person(session: AsyncSession, user_id: uuid.UUID) -> User:
    """A person: a machine client is read and changed as a client (/clients), never as a user."""
    user = await repository.get_user(session, user_id)
    if user is None or user.kind != PrincipalKind.PERSON:
        raise NotFound(f"no user {user_id}")
    return user


async def create_user(session: AsyncSession, actor: Principal, data: UserCreate) -> User:
    if await repository.get_user_by_subject(session, data.subject) is not None:
        raise RuleViolation(f"a user with subject '{data.subject}' already exists")
    user = User(**data.model_dump())
    session.add(user)
    await session.flush()
    auditor.record(session, actor, "CREATE", "user", user.id, after=_dump(user, UserRead))
    return user


async def update_user(session: AsyncSession, actor: Principal, user: User, data: UserUpdate) -> User:
    before = _dump(user, UserRead)
    changes = changes_of(data, nullable=frozenset({"email"}))
    for name, value in changes.items():
        setattr(user, name, value)
    await session.flush()
    auditor.record(session, actor, "UPDATE", "user", user.id, before=before, after=_dump(user, UserRead))
    return user


def _ensure_room_for_an_assignment(existing: list[RoleAssignment]) -> None:
    """A user's assignments are listed whole and travel in every identity assertion the gateway
    signs for them, so their number is bounded; one assignment covers its org unit's subtree."""
    if len(existing) >= MAX_ASSIGNMENTS_PER_USER:
        raise RuleViolation(
            f"a user holds at most {MAX_ASSIGNMENTS_PER_USER} role assignments; an assignment covers its org unit's whole subtree, "
            "so one higher up can replace several"
        )


async def add_assignment(session: AsyncSession, actor: Principal, user: User, data: RoleAssignmentCreate) -> RoleAssignment:
    if await repository.get_org_unit(session, data.org_unit_id) is None:
        raise InvalidInput("the org unit does not exist", errors=[{"pointer": "#/org_unit_id", "detail": "unknown org unit"}])
    await lock_for_rule(session, f"role-assignments:{user.id}")
    existing = await repository.assignments_of(session, user.id)
    if any(a.role == data.role.value and a.org_unit_id == data.org_unit_id for a in existing):
        raise RuleViolation("the user already holds this role at this org unit")
    _ensure_room_for_an_assignment(existing)
    assignment = RoleAssignment(user_id=user.id, **data.model_dump() | {"role": data.role.value})
    session.add(assignment)
    await session.flush()
    auditor.record(session, actor, "CREATE", "role_assignment", assignment.id, after=_dump(assignment, RoleAssignmentRead))
    return assignment


async def remove_assignment(session: AsyncSession, actor: Principal, assignment_id: uuid.UUID) -> None:
    assignment = await repository.get_assignment(session, assignment_id)
    if assignment is None:
        raise NotFound(f"no role assignment {assignment_id}")
    before = _dump(assignment, RoleAssignmentRead)
    await session.delete(assignment)
    await session.flush()
    auditor.record(session, actor, "DELETE", "role_assignment", assignment_id, before=before)
