"""The demo municipality: an organisation like the seed's and one demo user per role.

Idempotent: ids are derived from names, so running it again adds only what is missing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.directory import feed
from gateway.directory.models import OrgUnit, RoleAssignment, User
from styrkedjan_common.identity import Role

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:styrkedjan:demo-municipality")
VALID_FROM = dt.date(2023, 1, 1)


@dataclass(frozen=True)
class Node:
    type: str
    name: str
    short: str
    children: tuple[Node, ...] = ()


def unit(name: str, short: str, *children: Node, type_: str = "unit") -> Node:
    return Node(type_, name, short, children)


def area(name: str, short: str, *children: Node) -> Node:
    return Node("area", name, short, children)


ORGANISATION = Node(
    "council",
    "Kommunfullmäktige",
    "KF",
    (
        Node(
            "executive_board",
            "Kommunstyrelsen",
            "KS",
            (
                Node(
                    "administration",
                    "Kommunstyrelseförvaltningen",
                    "KSF",
                    (
                        unit("Ekonomienheten", "EKO"),
                        unit("HR-enheten", "HR"),
                        unit("Kansliet", "KANS"),
                        unit("Teknik- och serviceenheten", "TSE"),
                    ),
                ),
            ),
        ),
        Node(
            "board",
            "Barn- och utbildningsnämnden",
            "BUN",
            (
                Node(
                    "administration",
                    "Barn- och utbildningsförvaltningen",
                    "BUF",
                    (
                        area("Förskola", "FSK", unit("Nyckelpigans förskola", "NYCK"), unit("Solrosens förskola", "SOLR")),
                        area("Grundskola", "GRS", unit("Parkskolan", "PARK"), unit("Kolbäcksskolan", "KOLB"), unit("Lindboskolan", "LIND")),
                        area("Gymnasium och vuxenutbildning", "GYV", unit("Fredriksbergsskolan", "FRED")),
                    ),
                ),
            ),
        ),
        Node(
            "board",
            "Socialnämnden",
            "SN",
            (
                Node(
                    "administration",
                    "Socialförvaltningen",
                    "SOF",
                    (
                        area("Äldreomsorg", "ÄO", unit("Hemtjänsten", "HEMT"), unit("Trobergsgården", "TROB")),
                        area("Individ- och familjeomsorg", "IFO", unit("Försörjningsstöd", "FÖRS")),
                        area("Funktionsstöd", "FST", unit("Daglig verksamhet", "DAGL")),
                    ),
                ),
            ),
        ),
        Node(
            "board",
            "Kultur- och fritidsnämnden",
            "KFN",
            (
                Node(
                    "administration",
                    "Kultur- och fritidsförvaltningen",
                    "KFF",
                    (
                        unit("Biblioteket", "BIBL"),
                        unit("Fritidsgårdarna", "FRIT"),
                    ),
                ),
            ),
        ),
        Node(
            "board",
            "Bygg- och miljönämnden",
            "BMN",
            (
                Node(
                    "administration",
                    "Bygg- och miljöförvaltningen",
                    "BMF",
                    (
                        unit("Bygglovsenheten", "BYGG"),
                        unit("Miljöenheten", "MILJ"),
                    ),
                ),
            ),
        ),
        Node(
            "company",
            "Hallstahem AB",
            "HHEM",
            (Node("administration", "Hallstahems förvaltning", "HHF", (unit("Fastighetsförvaltning", "FAST"),)),),
        ),
        Node("federation", "Västra Mälardalens räddningstjänstförbund", "VMRF"),
    ),
)

# subject, display name, role, short name of the org unit the role is held at
DEMO_USERS = (
    ("kf.demo", "Karin Fullmäktige (demo)", Role.FULLMAKTIGE, "KF"),
    ("namnd.demo", "Nils Nämnd (demo)", Role.NAMND, "BUN"),
    ("forvaltning.demo", "Frida Förvaltning (demo)", Role.FORVALTNING, "BUF"),
    ("enhet.demo", "Erik Enhet (demo)", Role.ENHET, "PARK"),
    ("revisor.demo", "Rut Revisor (demo)", Role.REVISOR, "KF"),
    ("admin.demo", "Adam Admin (demo)", Role.ADMIN, "KF"),
)


def stable_id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(parts))


async def seed_demo(session: AsyncSession) -> dict[str, int]:
    """Insert what is missing; returns counts of what was added."""
    added = {"org_units": 0, "users": 0, "role_assignments": 0}
    ids: dict[str, uuid.UUID] = {}

    async def visit(node: Node, parent: uuid.UUID | None) -> None:
        unit_id = stable_id("org", node.short)
        ids[node.short] = unit_id
        if await session.get(OrgUnit, unit_id) is None:
            new = OrgUnit(
                id=unit_id,
                type=node.type,
                parent_id=parent,
                name=node.name,
                short_name=node.short,
                external_codes={"stratsys": node.short},  # as Stratsys files name them: the fixtures import as they are
                valid_from=VALID_FROM,
            )
            session.add(new)
            await feed.publish(session, new)  # the services learn of it as of any other unit
            added["org_units"] += 1
        for child in node.children:
            await visit(child, unit_id)

    await visit(ORGANISATION, None)
    for subject, name, role, unit_short in DEMO_USERS:
        user_id = stable_id("user", subject)
        if await session.get(User, user_id) is None:
            session.add(User(id=user_id, subject=subject, display_name=name, email=f"{subject}@example.se"))
            added["users"] += 1
            await session.flush()
        assignment_id = stable_id("assignment", subject, role.value, unit_short)
        if await session.get(RoleAssignment, assignment_id) is None:
            session.add(RoleAssignment(id=assignment_id, user_id=user_id, role=role.value, org_unit_id=ids[unit_short]))
            added["role_assignments"] += 1
    await session.flush()
    return added
