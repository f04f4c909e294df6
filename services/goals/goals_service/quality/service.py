"""Critical quality factors (kritiska kvalitetsfaktorer): set per administration, and below it per unit,
by the administration and the units; open to every signed-in user; retired rather than deleted once in use."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.db import auditor
from goals_service.quality import repository
from goals_service.quality.models import QualityFactor
from goals_service.quality.schemas import KeyFigure, QualityFactorCreate, QualityFactorRead, QualityFactorUpdate
from goals_service.units import require_valid
from styrkedjan_common.db import AnyRow
from styrkedjan_common.http import EMBEDDED_MAX
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.org_units import OPERATIONS, OrgUnitReplica
from styrkedjan_common.problems import NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of
from styrkedjan_common.scope import ensure_can_write

ENTITY = "quality_factor"
WRITERS = (Role.FORVALTNING, Role.ENHET)


def to_read(factor: QualityFactor, figures: Sequence[AnyRow] = ()) -> QualityFactorRead:
    return QualityFactorRead(
        id=factor.id,
        org_unit_id=factor.org_unit_id,
        name=factor.name,
        description=factor.description,
        active=factor.active,
        key_figures=[KeyFigure.model_validate(figure, from_attributes=True) for figure in figures],
        key_figure_count=figures[0].total if figures else 0,
        created_at=factor.created_at,
        created_by=factor.created_by,
        updated_at=factor.updated_at,
        updated_by=factor.updated_by,
        row_version=factor.row_version,
    )


def snapshot(factor: QualityFactor) -> dict[str, Any]:
    # Key figures belong to the indicator area; the audit keeps the factor's own record.
    return to_read(factor).model_dump(mode="json", exclude={"key_figures", "key_figure_count"})


def ensure_writer(principal: Principal, org_unit_id: uuid.UUID) -> None:
    ensure_can_write(principal, org_unit_id, WRITERS, "a quality factor")


async def get(session: AsyncSession, factor_id: uuid.UUID) -> QualityFactor:
    factor = await repository.get(session, factor_id)
    if factor is None:
        raise NotFound(f"no quality factor {factor_id}")
    return factor


async def get_writable(session: AsyncSession, principal: Principal, factor_id: uuid.UUID) -> QualityFactor:
    factor = await get(session, factor_id)
    ensure_writer(principal, factor.org_unit_id)
    return factor


async def read(session: AsyncSession, factor: QualityFactor) -> QualityFactorRead:
    return (await read_page(session, [factor]))[0]


async def read_page(session: AsyncSession, factors: Sequence[QualityFactor]) -> list[QualityFactorRead]:
    """Each factor with its first key figures and how many it has: one query for a whole page."""
    figures = await repository.key_figures(session, [factor.id for factor in factors], EMBEDDED_MAX)
    return [to_read(factor, figures.get(factor.id, [])) for factor in factors]


async def _check_org_unit(org_units: OrgUnitReplica, org_unit_id: uuid.UUID) -> None:
    """Quality factors are an administration's or a unit's below it: a unit of the directory valid today."""
    await require_valid(org_units, org_unit_id, pointer="#/org_unit_id", types=OPERATIONS, what="the administration or unit")


async def create(session: AsyncSession, principal: Principal, data: QualityFactorCreate, org_units: OrgUnitReplica) -> QualityFactor:
    ensure_writer(principal, data.org_unit_id)
    await _check_org_unit(org_units, data.org_unit_id)
    factor = QualityFactor(**data.model_dump(), created_by=principal.user_id, updated_by=principal.user_id)
    session.add(factor)
    await session.flush()
    auditor.record(session, principal, "CREATE", ENTITY, factor.id, after=snapshot(factor))
    return factor


async def update(
    session: AsyncSession, principal: Principal, factor: QualityFactor, data: QualityFactorUpdate, org_units: OrgUnitReplica
) -> QualityFactor:
    changes = changes_of(data)
    if "org_unit_id" in changes:
        ensure_writer(principal, changes["org_unit_id"])  # moving it needs the new unit in scope too
        if changes["org_unit_id"] != factor.org_unit_id:
            await _check_org_unit(org_units, changes["org_unit_id"])
    if all(getattr(factor, name) == value for name, value in changes.items()):
        return factor  # nothing changes: no new row version, no audit event
    before = snapshot(factor)
    for name, value in changes.items():
        setattr(factor, name, value)
    factor.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", ENTITY, factor.id, before=before, after=snapshot(factor))
    return factor


async def delete(session: AsyncSession, principal: Principal, factor: QualityFactor) -> None:
    key_figures, activities = await repository.references(session, factor.id)
    if key_figures or activities:
        raise RuleViolation(
            f"a quality factor in use is not deleted: {key_figures} key figure(s) and {activities} activity(ies) refer to it; "
            "deactivate it instead (active: false)"
        )
    before = snapshot(factor)
    await session.delete(factor)
    await session.flush()
    auditor.record(session, principal, "DELETE", ENTITY, factor.id, before=before)
