"""Every query of the directory."""

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, and_, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.directory.models import OrgUnit, OrgUnitChange, PrincipalKind, RoleAssignment, User
from styrkedjan_common.external_codes import ExternalCode, carries_code


def _containing(text: str) -> str:
    """A LIKE pattern for the text itself: `%` and `_` typed by a user are not wildcards."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def get_org_unit(session: AsyncSession, unit_id: uuid.UUID) -> OrgUnit | None:
    return await session.get(OrgUnit, unit_id)


async def root_units(session: AsyncSession) -> list[OrgUnit]:
    return list((await session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))).all())


async def has_open_children(session: AsyncSession, unit_id: uuid.UUID, on: dt.date) -> bool:
    query = select(OrgUnit.id).where(OrgUnit.parent_id == unit_id, or_(OrgUnit.valid_to.is_(None), OrgUnit.valid_to > on)).limit(1)
    return (await session.scalar(query)) is not None


async def list_org_units(
    session: AsyncSession,
    *,
    limit: int,
    after: tuple[str, uuid.UUID] | None,
    type_: str | None,
    parent_id: uuid.UUID | None,
    valid_on: dt.date | None,
    name_contains: str | None,
    external_code: ExternalCode | None = None,
) -> list[OrgUnit]:
    query = select(OrgUnit).order_by(OrgUnit.name, OrgUnit.id).limit(limit)
    if type_:
        query = query.where(OrgUnit.type == type_)
    if parent_id:
        query = query.where(OrgUnit.parent_id == parent_id)
    if valid_on:
        query = query.where(OrgUnit.valid_from <= valid_on, or_(OrgUnit.valid_to.is_(None), OrgUnit.valid_to >= valid_on))
    if name_contains:
        query = query.where(OrgUnit.name.ilike(_containing(name_contains), escape="\\"))
    if external_code:
        query = query.where(carries_code(OrgUnit.external_codes, external_code, session.get_bind().dialect.name))
    if after:
        name, last_id = after
        query = query.where(or_(OrgUnit.name > name, and_(OrgUnit.name == name, OrgUnit.id > last_id)))
    return list((await session.scalars(query)).all())


async def tree_rows(session: AsyncSession) -> Sequence[Row[uuid.UUID, uuid.UUID | None, str, str]]:
    """(id, parent_id, type, name) of every unit, past and present: scope covers history too."""
    return (await session.execute(select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.type, OrgUnit.name))).all()


async def last_change_position(session: AsyncSession) -> int:
    """The feed's last position (0 when empty); read under the feed's lock."""
    return int(await session.scalar(select(func.coalesce(func.max(OrgUnitChange.position), 0))) or 0)


async def append_change(session: AsyncSession, position: int, unit_id: uuid.UUID, state: dict[str, Any]) -> None:
    await session.execute(insert(OrgUnitChange).values(position=position, org_unit_id=unit_id, org_unit=state))


async def changes_after(session: AsyncSession, after: int, limit: int) -> Sequence[OrgUnitChange]:
    query = select(OrgUnitChange).where(OrgUnitChange.position > after).order_by(OrgUnitChange.position).limit(limit)
    return (await session.scalars(query)).all()


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_user_by_subject(session: AsyncSession, subject: str) -> User | None:
    return (await session.scalars(select(User).where(User.subject == subject))).first()


async def list_users(
    session: AsyncSession, *, limit: int, after: tuple[str, uuid.UUID] | None, q: str | None, kind: PrincipalKind = PrincipalKind.PERSON
) -> list[User]:
    query = select(User).where(User.kind == kind.value).order_by(User.display_name, User.id).limit(limit)
    if q:
        like = _containing(q)
        query = query.where(or_(*(column.ilike(like, escape="\\") for column in (User.display_name, User.email, User.subject))))
    if after:
        name, last_id = after
        query = query.where(or_(User.display_name > name, and_(User.display_name == name, User.id > last_id)))
    return list((await session.scalars(query)).all())


async def assignments_of(session: AsyncSession, user_id: uuid.UUID, on: dt.date | None = None) -> list[RoleAssignment]:
    query = select(RoleAssignment).where(RoleAssignment.user_id == user_id).order_by(RoleAssignment.created_at, RoleAssignment.id)
    if on is not None:
        query = query.where(
            or_(RoleAssignment.valid_from.is_(None), RoleAssignment.valid_from <= on),
            or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to >= on),
        )
    return list((await session.scalars(query)).all())


async def get_assignment(session: AsyncSession, assignment_id: uuid.UUID) -> RoleAssignment | None:
    return await session.get(RoleAssignment, assignment_id)
