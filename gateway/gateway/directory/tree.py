"""The organisation tree in memory, for scope: an assignment covers its unit's subtree."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: str
    parent_id: str | None
    type: str
    name: str


# The political bodies an administration serves (it drafts their board-level objects).
GOVERNING_TYPES = frozenset({"executive_board", "board", "company", "federation"})


class OrgTree:
    def __init__(self, rows: Iterable[tuple[uuid.UUID, uuid.UUID | None, str, str]]) -> None:
        self.units: dict[str, UnitInfo] = {}
        self.children: dict[str, list[str]] = defaultdict(list)
        for unit_id, parent_id, type_, name in rows:
            info = UnitInfo(str(unit_id), str(parent_id) if parent_id else None, type_, name)
            self.units[info.id] = info
            if info.parent_id:
                self.children[info.parent_id].append(info.id)

    def is_root(self, unit_id: str) -> bool:
        unit = self.units.get(unit_id)
        return unit is not None and unit.parent_id is None

    def subtree(self, unit_id: str) -> frozenset[str]:
        if unit_id not in self.units:
            return frozenset()
        found, stack = {unit_id}, [unit_id]
        while stack:
            for child in self.children.get(stack.pop(), ()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return frozenset(found)

    def ancestors(self, unit_id: str) -> list[str]:
        chain, current = [], self.units.get(unit_id)
        while current is not None and current.parent_id is not None and current.parent_id not in chain:
            chain.append(current.parent_id)
            current = self.units.get(current.parent_id)
        return chain

    def governing_body(self, unit_id: str) -> str | None:
        """The nearest board (or executive board, company, federation) above a unit."""
        for ancestor in self.ancestors(unit_id):
            if self.units[ancestor].type in GOVERNING_TYPES:
                return ancestor
        return None

    def scope(self, unit_id: str, serves_board: bool) -> frozenset[str] | None:
        """An assignment's scope: its unit's subtree, None for the root (everything). An
        administration's assignment (`serves_board`) also covers the body it serves, whose
        board-level drafts it prepares."""
        if self.is_root(unit_id):
            return None
        units = self.subtree(unit_id)
        body = self.governing_body(unit_id) if serves_board else None
        return units | {body} if body else units
