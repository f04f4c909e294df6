"""Agenda 2030 read models: the global goals, and the municipality's goals grouped by them."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class SdgRead(BaseModel):
    number: int = Field(ge=1, le=17, examples=[4])
    name_sv: str = Field(examples=["God utbildning för alla"])
    name_en: str = Field(examples=["Quality Education"])
    colour: str = Field(description="the UN's official colour, #RRGGBB", examples=["#C5192D"])


class SdgGoal(BaseModel):
    id: uuid.UUID
    lineage_id: uuid.UUID
    level: str = Field(examples=["BOARD"])
    title: str = Field(examples=["Fler elever klarar skolan"])
    owner_org_unit_id: uuid.UUID
    closed: bool


class SdgOverviewItem(SdgRead):
    goals: list[SdgGoal] = Field(description="decided goals in force that year linked to this global goal")
    indicator_count: int = Field(description="catalogue indicators of this global goal followed for a goal in force that year")
    activity_count: int = Field(description="activities of this global goal running that year")


class SdgOverviewRead(BaseModel):
    year: int = Field(examples=[2027])
    items: list[SdgOverviewItem] = Field(description="all 17 global goals in order")
