import datetime as dt
import uuid
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.directory.models import OrgUnitType, PrincipalKind
from styrkedjan_common.identity import Role
from styrkedjan_common.schemas import InputModel

ExternalCodes = dict[str, str]
# A plain shape check: the identity provider owns the address, we only store it.
Email = Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+$", examples=["anna.andersson@example.se"])]


class _Validity(InputModel):
    @model_validator(mode="after")
    def _ordered(self) -> Self:
        start, end = getattr(self, "valid_from", None), getattr(self, "valid_to", None)
        if start is not None and end is not None and end < start:
            raise ValueError("valid_to must not be before valid_from")
        return self


class OrgUnitCreate(_Validity):
    type: OrgUnitType
    parent_id: uuid.UUID | None = None
    predecessor_id: uuid.UUID | None = Field(default=None, description="The unit this one succeeds in a reorganisation")
    name: str = Field(min_length=1, max_length=200, examples=["Barn- och utbildningsnämnden"])
    short_name: str = Field(min_length=1, max_length=40, examples=["BUN"])
    external_codes: ExternalCodes = Field(default_factory=dict, examples=[{"stratsys": "N-BUN", "ekonomisystem": "3"}])
    valid_from: dt.date
    valid_to: dt.date | None = None


class OrgUnitUpdate(_Validity):
    """Fields left out are unchanged. The parent is not changed: a move is a reorganisation
    (close this unit, create its successor), so history stays as it was."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    short_name: str | None = Field(default=None, min_length=1, max_length=40)
    external_codes: ExternalCodes | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class OrgUnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    type: OrgUnitType
    parent_id: uuid.UUID | None
    predecessor_id: uuid.UUID | None
    name: str
    short_name: str
    external_codes: ExternalCodes
    valid_from: dt.date
    valid_to: dt.date | None
    row_version: int


class UserCreate(InputModel):
    subject: str = Field(min_length=1, max_length=200, description="The identity provider's subject for this person")
    email: Email | None = None
    display_name: str = Field(min_length=1, max_length=200)
    active: bool = True


class UserUpdate(InputModel):
    email: Email | None = None
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    subject: str
    email: str | None
    display_name: str
    active: bool
    row_version: int


# An OAuth client id as the identity provider issues it: an Entra ID application id (a GUID) or a
# Keycloak client id. Surrounding spaces would make it a different id that no token carries.
ClientId = Annotated[
    str, Field(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$", examples=["3f1d6a0e-8c2b-4b7e-9a51-2d4f0c6e7b13", "ekonomisystemet"])
]


class ClientCreate(InputModel):
    client_id: ClientId = Field(description="The client id the identity provider puts in the client claim of the client's tokens")
    display_name: str = Field(min_length=1, max_length=200, examples=["Ekonomisystemets integration"])
    active: bool = True


class ClientUpdate(InputModel):
    """Fields left out are unchanged. The client id is not changed: another id is another client."""

    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = None


class ClientRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    # A client's client id is its subject in the directory.
    client_id: str = Field(validation_alias="subject")
    display_name: str
    active: bool
    row_version: int


class RoleAssignmentCreate(_Validity):
    role: Role
    org_unit_id: uuid.UUID
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class RoleAssignmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    org_unit_id: uuid.UUID
    valid_from: dt.date | None
    valid_to: dt.date | None


class MyAssignment(BaseModel):
    role: Role
    org_unit_id: uuid.UUID
    org_unit_name: str
    org_unit_type: OrgUnitType
    scope: list[uuid.UUID] | None = Field(description="Org units in scope (the unit's subtree); null means the whole municipality")


class Me(BaseModel):
    id: uuid.UUID
    kind: PrincipalKind = Field(description="person, or client: an integration signed in with client credentials")
    subject: str = Field(description="A person's subject at the identity provider, or a client's client id")
    display_name: str
    email: str | None
    roles: list[Role]
    assignments: list[MyAssignment]
