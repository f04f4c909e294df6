import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from goals_service.db import GoalsBase
from styrkedjan_common.db import JSONType, Tracked, UTCDateTime, new_id, utcnow


class KoladaValue(GoalsBase):
    """One of Kolada's values as last read: a key figure of one municipality (ours or a peer) for
    one year and one gender (T total, K women, M men). A null value is missing, never zero."""

    __tablename__ = "kolada_value"
    __table_args__ = (Index("ix_kolada_value_kpi_year", "kpi_id", "year"),)

    kpi_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    municipality_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    gender: Mapped[str] = mapped_column(String(1), primary_key=True)
    value: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    status: Mapped[str] = mapped_column(String(40), default="")
    count: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class KoladaMunicipality(GoalsBase):
    """A municipality (or region, or the whole country) as Kolada names it, for the comparison."""

    __tablename__ = "kolada_municipality"

    id: Mapped[str] = mapped_column(String(10), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(5), default="")


class KoladaPeerGroup(GoalsBase, Tracked):
    """The municipalities ours is compared with (by Kolada's ids), e.g. from one of Kolada's
    groups of similar municipalities."""

    __tablename__ = "kolada_peer_group"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    municipality_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    kolada_group_id: Mapped[str | None] = mapped_column(String(40))


class KoladaLease(GoalsBase):
    """Who runs the sync now, and until when: one row per kind of run, so two replicas never sync at
    once. A holder renews or releases it; an expired lease may be taken by anyone."""

    __tablename__ = "kolada_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100), default="")
    until: Mapped[dt.datetime] = mapped_column(UTCDateTime)
