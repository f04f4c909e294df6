"""One OpenAPI 3.1 document for the gateway and every service, with stable, collision-free names."""

from __future__ import annotations

import copy
from typing import Any

REF_PREFIX = "#/components/schemas/"


def _pascal(service: str) -> str:
    return "".join(part.capitalize() for part in service.replace("_", "-").split("-"))


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(REF_PREFIX):
                name = value[len(REF_PREFIX) :]
                out[key] = REF_PREFIX + renames.get(name, name)
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def merge(gateway_doc: dict[str, Any], service_docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Schemas a service shares verbatim with the gateway (Problem, InvalidParam) keep their
    name; every other service schema is prefixed with the service name (GoalsVisionRead)."""
    merged = copy.deepcopy(gateway_doc)
    merged["info"] = {
        "title": "Styrkedjan API",
        "version": gateway_doc.get("info", {}).get("version", "1.0.0"),
        "description": (
            "Planning and follow-up for a Swedish municipality: gateway (identity, directory) and the goals, "
            "budget, follow-up and internal-control services. Each operation lists the roles that may call it "
            "in `x-roles`, and in `x-services` the services that may call it directly with their own assertion "
            "(an operation without roles is for those services only); errors are RFC 9457 problem documents."
        ),
    }
    schemas = merged.setdefault("components", {}).setdefault("schemas", {})
    merged.setdefault("components", {})["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
    merged["security"] = [{"bearer": []}]
    tags = {tag["name"]: tag for tag in merged.get("tags", [])}
    operation_ids = {op.get("operationId") for item in merged.get("paths", {}).values() for op in item.values() if isinstance(op, dict)}
    for service, doc in sorted(service_docs.items()):
        service_schemas = doc.get("components", {}).get("schemas", {})
        renames = {
            name: name if schemas.get(name) == definition else f"{_pascal(service)}{name}" for name, definition in service_schemas.items()
        }
        for name, definition in service_schemas.items():
            schemas[renames[name]] = _rewrite_refs(definition, renames)
        for path, item in doc.get("paths", {}).items():
            if path in merged.setdefault("paths", {}):
                raise ValueError(f"path {path} is defined by the gateway and by {service}")
            item = _rewrite_refs(item, renames)
            for operation in item.values():
                if isinstance(operation, dict) and "operationId" in operation:
                    # Ids are part of the contract (client generators use them): a clash is a
                    # bug to fix in the service, never something to rename silently.
                    if operation["operationId"] in operation_ids:
                        raise ValueError(f"operationId {operation['operationId']} of {service} is already taken")
                    operation_ids.add(operation["operationId"])
            merged["paths"][path] = item
        for tag in doc.get("tags", []):
            tags.setdefault(tag["name"], tag)
    if tags:
        merged["tags"] = list(tags.values())
    return merged
