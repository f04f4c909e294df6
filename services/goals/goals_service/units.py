"""The goals service's own ways with the directory's org units: the rule for a written unit (valid
today, of the object's type, in the object's years) and the names beside the ids, computed when a read
model is serialised so that an audit event carries them too. The replica, the check of a unit
(`require`) and the widening of a list's filter to the units a reorganisation replaced
(`IncludePredecessors`, `unit_filter`) are styrkedjan_common.org_units."""

import datetime as dt
import uuid
from collections.abc import Collection
from contextvars import ContextVar
from typing import Any

from fastapi import Depends, Request

from styrkedjan_common.org_units import OrgUnitName, OrgUnitReplica

UNIT_NAME = "The unit's name beside its id, from the directory; null when the directory does not know the unit"

# The replica whose names the read models of this request show (bound by `BIND_NAMES`): each read
# model's `X_org_unit` is computed from its `X_org_unit_id` when it is serialised, so a response
# and the audit event the same request records show the same name, whatever the operation.
_names: ContextVar[OrgUnitReplica | None] = ContextVar("goals_org_unit_names", default=None)


async def _bind_names(request: Request) -> None:
    _names.set(getattr(request.app.state, "org_units", None))


# A router dependency: the read models of its operations carry the units' names.
BIND_NAMES = Depends(_bind_names)


def name_of(unit_id: uuid.UUID | None) -> OrgUnitName | None:
    """The unit's name from the request's replica (in memory: no query); None outside a request or
    for a unit the directory does not know."""
    replica = _names.get()
    return None if replica is None else replica.name_of(unit_id)


def name_nodes(node: Any, org_units: OrgUnitReplica) -> None:
    """The names of a read built as plain dicts (the thread, serialised without its models): beside
    each `X_org_unit_id` key an `X_org_unit` key. A node under several parents is named again, alike."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key.endswith("org_unit_id"):
                name = org_units.name_of(value)
                node[key.removesuffix("_id")] = None if name is None else name.model_dump(mode="json")
            else:
                name_nodes(value, org_units)
    elif isinstance(node, list):
        for item in node:
            name_nodes(item, org_units)


async def require_valid(
    org_units: OrgUnitReplica,
    unit_id: uuid.UUID,
    *,
    pointer: str,
    types: Collection[str] | None,
    what: str,
    years: tuple[int, int] | None = None,
) -> None:
    """The rule for every org unit a client writes: known to the directory, valid today (a unit closed
    yesterday gets no new objects) and of a type the object belongs to; for an object of other years,
    also valid at some day of them. A 422 naming the field otherwise, before anything is stored."""
    await org_units.require(unit_id, pointer=pointer, on=dt.date.today(), types=types, what=what, years=years)
