"""GET /api/labels: the Swedish and English label of every enum value the API uses.

The labels live in styrkedjan_common.labels; this operation serves them, so that no frontend
writes its own `Delårsrapport` for INTERIM.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from styrkedjan_common.labels import ENUM_LABELS
from styrkedjan_common.security import PolicyRoute, allow_any_signed_in

router = APIRouter(tags=["labels"], route_class=PolicyRoute)


class EnumValueLabel(BaseModel):
    sv: str = Field(examples=["Delårsrapport"])
    en: str = Field(examples=["Interim report"])


class EnumLabels(BaseModel):
    enums: dict[str, dict[str, EnumValueLabel]] = Field(
        description="Each enum by its schema name in /openapi.json, then each of its values",
        examples=[{"GoalsPerspective": {"OPERATIONS": {"sv": "Verksamhet", "en": "Operations"}}}],
    )


LABELS = EnumLabels.model_validate({"enums": ENUM_LABELS})


@router.get("/api/labels", response_model=EnumLabels, openapi_extra=allow_any_signed_in())
async def get_labels() -> EnumLabels:
    """The display label, in Swedish (`sv`) and English (`en`), of every value of every enum of the
    API: `{"enums": {"<enum>": {"<value>": {"sv": "...", "en": "..."}}}}`.

    An enum with a schema of its own is named as in /openapi.json (`GoalsPerspective`,
    `FollowupReportStatus`); an enum written inline in a field has no schema name and is named after
    its place in the same style (`FollowupCycleDisplayStatus`). Enums with the same values share
    the labels where the values mean the same (`GoalsStatus`, `BudgetStatus`). The document carries
    the same labels beside each enum: `x-enum-descriptions` (the Swedish, in the order of `enum`)
    and `x-enum-labels` (value → {sv, en}). The answer changes only with a new release: send its
    ETag back in If-None-Match and an unchanged answer is a 304 without a body.
    """
    return LABELS
