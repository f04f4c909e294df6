"""The demo municipality: a whole organisation and one user per role, safe to load again."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from gateway.directory.models import OrgUnit, OrgUnitType, RoleAssignment, User
from gateway.directory.service import ALLOWED_PARENTS
from gateway.seed import seed_demo
from styrkedjan_common.identity import Role

BOARDS = {OrgUnitType.EXECUTIVE_BOARD, OrgUnitType.BOARD, OrgUnitType.COMPANY}


@pytest.fixture
async def session(gateway, demo_directory):
    async with gateway.api.state.sessionmaker() as session:
        yield session


async def counts(session):
    return {model.__tablename__: await session.scalar(select(func.count()).select_from(model)) for model in (OrgUnit, User, RoleAssignment)}


async def test_a_second_run_adds_nothing(session):
    before = await counts(session)
    assert await seed_demo(session) == {"org_units": 0, "users": 0, "role_assignments": 0}
    await session.commit()
    assert await counts(session) == before


async def test_a_second_run_restores_only_what_is_missing(session):
    before = await counts(session)
    await session.delete(await session.scalar(select(User).where(User.subject == "revisor.demo")))
    await session.commit()
    assert await seed_demo(session) == {"org_units": 0, "users": 1, "role_assignments": 1}
    await session.commit()
    assert await counts(session) == before


async def test_the_council_is_the_only_root(session):
    roots = (await session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))).all()
    assert [(unit.type, unit.name) for unit in roots] == [("council", "Kommunfullmäktige")]


async def test_there_are_six_boards_including_a_company(session):
    types = Counter((await session.scalars(select(OrgUnit.type))).all())
    assert sum(types[t] for t in BOARDS) == 6
    assert types[OrgUnitType.EXECUTIVE_BOARD] == 1 and types[OrgUnitType.COMPANY] >= 1


async def test_there_are_at_least_twenty_areas_and_units(session):
    types = Counter((await session.scalars(select(OrgUnit.type))).all())
    assert types[OrgUnitType.AREA] + types[OrgUnitType.UNIT] >= 20
    assert types[OrgUnitType.AREA] >= 1


async def test_the_organisation_follows_the_directorys_own_hierarchy_rules(session):
    units = {unit.id: unit for unit in (await session.scalars(select(OrgUnit))).all()}
    for unit in units.values():
        if unit.parent_id is not None:
            assert OrgUnitType(units[unit.parent_id].type) in ALLOWED_PARENTS[OrgUnitType(unit.type)], unit.name


async def test_every_board_has_its_administration(session):
    units = (await session.scalars(select(OrgUnit))).all()
    administered = {unit.parent_id for unit in units if unit.type == OrgUnitType.ADMINISTRATION}
    assert all(unit.id in administered for unit in units if unit.type in BOARDS)


async def test_there_is_one_active_demo_user_per_role(session):
    rows = (
        await session.execute(
            select(User.subject, User.active, RoleAssignment.role).join(RoleAssignment, RoleAssignment.user_id == User.id)
        )
    ).all()
    assert sorted(role for _, _, role in rows) == sorted(role.value for role in Role)
    assert all(active for _, active, _ in rows)
    assert len({subject for subject, _, _ in rows}) == len(Role)
