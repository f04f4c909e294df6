import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import GatewayBase
from styrkedjan_common.db import JSONType, UTCDateTime, new_id, utcnow
from styrkedjan_common.org_units import OrgUnitType

# OrgUnitType is the one vocabulary of unit types, the directory's and every service replica's;
# re-exported for the directory's modules.
__all__ = ["OrgUnit", "OrgUnitChange", "OrgUnitType", "PrincipalKind", "RoleAssignment", "User"]


class OrgUnit(GatewayBase):
    """A node of the municipality's organisation. Reorganisations close units (valid_to) and
    create successors, so history keeps pointing at the units that existed then."""

    __tablename__ = "org_unit"
    __table_args__ = (Index("ix_org_unit_parent_id", "parent_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    type: Mapped[str] = mapped_column(String(30))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_unit.id"))
    predecessor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_unit.id"))
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(40))
    external_codes: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}


class OrgUnitChange(GatewayBase):
    """The directory's feed: each change of an org unit, as the unit's whole state after it, at a
    position that only grows (services read it after the position they hold)."""

    __tablename__ = "org_unit_change"

    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"), index=True)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    org_unit: Mapped[dict[str, Any]] = mapped_column(JSONType)


class PrincipalKind(StrEnum):
    PERSON = "person"
    # A machine client: an integration (an Entra ID app, a Keycloak service account) signing in with
    # OIDC client credentials, matched on the configured client claim.
    CLIENT = "client"


class User(GatewayBase):
    """A directory principal: a person, or a machine client; both hold role assignments."""

    __tablename__ = "user_account"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20), default=PrincipalKind.PERSON.value, server_default=PrincipalKind.PERSON.value)
    # The identity provider's stable subject (the configured claim of its tokens).
    subject: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    display_name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}


class RoleAssignment(GatewayBase):
    __tablename__ = "role_assignment"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "org_unit_id", name="uq_role_assignment_user_role_unit"),
        Index("ix_role_assignment_org_unit_id", "org_unit_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
