"""The route policy, read from the `x-roles` (and `x-services`) each operation declares in its own
OpenAPI document.

There is no second list: the gateway builds this table from the services' documents and
refuses any operation that is not in it or that declares no callers. An operation that declares
services only is refused to every person and client: the services call it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.security import POLICY_KEY, allows_without_role, declared_services, policy_admits

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    template: str
    operation_id: str
    roles: frozenset[Role]
    without_role: bool = False
    # The services that may call it directly; they do so service to service, never through the gateway.
    services: frozenset[str] = frozenset()

    def allows(self, principal: Principal) -> bool:
        return policy_admits(principal, self.roles, self.without_role, self.services)


@dataclass
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    parameter: _Node | None = None
    operations: dict[str, Operation] = field(default_factory=dict)


class RouteTable:
    """Matches a request path to its operation; literal segments win over parameters."""

    def __init__(self, openapi: dict[str, Any]) -> None:
        self._root = _Node()
        for template, path_item in openapi.get("paths", {}).items():
            node = self._root
            for segment in template.strip("/").split("/"):
                if segment.startswith("{") and segment.endswith("}"):
                    node.parameter = node.parameter or _Node()
                    node = node.parameter
                else:
                    node = node.literals.setdefault(segment, _Node())
            for method, operation in path_item.items():
                if method not in HTTP_METHODS:
                    continue
                roles = frozenset(Role(r) for r in operation.get(POLICY_KEY) or ())
                node.operations[method.upper()] = Operation(
                    method.upper(),
                    template,
                    operation.get("operationId", ""),
                    roles,
                    allows_without_role(operation),
                    declared_services(operation),
                )

    def match(self, path: str) -> dict[str, Operation] | None:
        """The operations at this path by method, or None when no template matches."""
        node = self._find(self._root, path.strip("/").split("/"), 0)
        return node.operations if node is not None else None

    def _find(self, node: _Node, segments: list[str], index: int) -> _Node | None:
        if index == len(segments):
            return node if node.operations else None
        child = node.literals.get(segments[index])
        if child is not None:
            found = self._find(child, segments, index + 1)
            if found is not None:
                return found
        if node.parameter is not None and segments[index]:
            return self._find(node.parameter, segments, index + 1)
        return None
