"""One OpenAPI 3.1 document for the gateway and every service, with stable, collision-free names.

Client generators name their classes after the schemas' titles (openapi-python-client, for one),
so every schema of the document gets one clean name, used as its components key and its title:
`Page[ActualRead]` is `ActualReadPage`, a schema FastAPI names by module path because two models
share its name (`gateway__directory__models__PrincipalKind`) is named after its module
(`DirectoryPrincipalKind`), a model with separate request and response forms keeps the form
(`ThresholdsInput`), and a service's schema carries the service's name (`GoalsVisionRead`).
Names follow from each schema's own document and the gateway's alone, so they do not depend on
which services are up, nor on the order anything is read. Inside schemas, no two models or enums
differ under one title either (see `_untitle_clashing_inline_schemas`).
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from styrkedjan_common.labels import describe_enums
from styrkedjan_common.openapi_headers import REQUEST_ID, RETRY_AFTER, header
from styrkedjan_common.problems import PROBLEM_MEDIA_TYPE

REF_PREFIX = "#/components/schemas/"
# pydantic's key for a model whose name two modules share: the module path, `.` written `__`.
MODULE_PATH_KEY = re.compile(r"^((?:[a-z][a-z0-9_]*__)+)(.+)$")
GENERIC_TITLE = re.compile(r"^(\w+)\[(.+)\]$")
# pydantic's key for a model whose request and response schemas differ.
FORM_SUFFIX = re.compile(r"^(.+)-(Input|Output)$")
# Keywords whose values are data (a property's default, an example), not schemas.
INSTANCE_KEYWORDS = frozenset({"const", "default", "enum", "example", "examples"})
# Keywords whose values map names (of properties, of definitions) to schemas.
SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs"})
# Module names that say which layer a class lives in, not what it is about.
LAYER_MODULES = frozenset({"api", "domain", "model", "models", "router", "routes", "schema", "schemas", "types", "views"})


def _pascal(words: str) -> str:
    """`internal-control` -> InternalControl, `External Codes` -> ExternalCodes, `VisionRead` stays."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", words) if part)


def _generic_name(title: str) -> str:
    """`Page[ActualRead]` -> ActualReadPage, `Pair[int, Page[X]]` -> IntXPagePair: the arguments,
    then the generic, as one would say it."""
    match = GENERIC_TITLE.match(title)
    if match is None:
        return _pascal(title)
    arguments, depth, current = [], 0, ""
    for char in match.group(2):
        if char == "," and depth == 0:
            arguments.append(current)
            current = ""
            continue
        depth += {"[": 1, "]": -1}.get(char, 0)
        current += char
    arguments.append(current)
    return "".join(_generic_name(argument.strip()) for argument in arguments) + _pascal(match.group(1))


def _module_qualifier(module_path: str) -> str:
    """`gateway__directory__models__` -> Directory: what the module is about, without its package
    and the layer names; the package's own name when nothing else is left."""
    modules = [module for module in module_path.split("__") if module]
    about = [module for module in modules[1:] if module not in LAYER_MODULES]
    return "".join(_pascal(module) for module in about or modules[:1])


def clean_name(key: str, definition: dict[str, Any]) -> str:
    """A schema's name without Python artefacts, from its components key and its title."""
    qualifier = ""
    module_path = MODULE_PATH_KEY.match(key)
    if module_path is not None:
        qualifier, key = _module_qualifier(module_path.group(1)), module_path.group(2)
    form = ""
    form_suffix = FORM_SUFFIX.match(key)
    if form_suffix is not None:
        key, form = form_suffix.group(1), form_suffix.group(2)
    title = definition.get("title")
    base = _generic_name(title) if isinstance(title, str) and GENERIC_TITLE.match(title) else _generic_name(key)
    return qualifier + base + form


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


def _referenced_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(REF_PREFIX):
                yield value[len(REF_PREFIX) :]
            else:
                yield from _referenced_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _referenced_names(item)


def _shared_with_gateway(service_schemas: dict[str, Any], gateway_schemas: dict[str, Any]) -> dict[str, str]:
    """service key -> gateway key, for the schemas a service shares verbatim with the gateway
    (Problem, InvalidParam, the identity's PrincipalKind): the same definition under the same
    name or title, referring only to schemas that are shared too."""
    shared = {}
    for name, definition in service_schemas.items():
        same = [
            gateway_name
            for gateway_name, gateway_definition in gateway_schemas.items()
            if gateway_definition == definition and (gateway_name == name or "title" in definition)
        ]
        if same:
            shared[name] = name if name in same else min(same)
    changed = True
    while changed:
        changed = False
        for name in list(shared):
            if any(shared.get(ref) != ref for ref in _referenced_names(service_schemas[name])):
                del shared[name]
                changed = True
    return shared


# What the gateway itself answers for an operation it passes on to a service (gateway/proxy/forward.py).
GATEWAY_FAILURES = {
    "502": "The service gave no valid answer",
    "503": "The service is unavailable or busy; retry after the time given in Retry-After",
    "504": "The service did not answer in time",
}


def _declare_gateway_failures(operation: dict[str, Any], gateway_problem: str) -> None:
    responses = operation.setdefault("responses", {})
    for status, description in GATEWAY_FAILURES.items():
        headers = {REQUEST_ID: header(REQUEST_ID)}
        if status == "503":
            headers[RETRY_AFTER] = header(RETRY_AFTER)
        responses.setdefault(
            status,
            {
                "description": description,
                "headers": headers,
                "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": REF_PREFIX + gateway_problem}}},
            },
        )


def _claim(names: dict[str, str], name: str, owner: str) -> None:
    if name in names:
        # A clash is a bug to fix in the services' models, never something to number silently.
        raise ValueError(f"schema name {name} is taken by {names[name]} and {owner}")
    names[name] = owner


def _is_model_or_enum(node: dict[str, Any]) -> bool:
    """What a client generator makes a class of."""
    return "enum" in node or "properties" in node or node.get("type") == "object"


def _titled_inline_schemas(node: Any, *, top: bool = True) -> Iterator[dict[str, Any]]:
    """The titled models and enums inside `node`, the node itself left out; examples and
    defaults are data, not schemas."""
    if isinstance(node, dict):
        if not top and isinstance(node.get("title"), str) and _is_model_or_enum(node):
            yield node
        for key, value in node.items():
            if key in SCHEMA_MAPS and isinstance(value, dict):
                for schema in value.values():
                    yield from _titled_inline_schemas(schema, top=False)
            elif key not in INSTANCE_KEYWORDS:
                yield from _titled_inline_schemas(value, top=False)
    elif isinstance(node, list):
        for item in node:
            yield from _titled_inline_schemas(item, top=False)


def _untitled(node: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in node.items() if key != "title"}


def _untitle_clashing_inline_schemas(merged: dict[str, Any]) -> None:
    """An inline model or enum whose title another schema of the document carries with other
    content (pydantic titles each field after itself: the `External Codes` of many models) loses
    that title. Generators then name it by its place (GoalsGoalCreateExternalCodes), unique by
    construction; a title naming its owner instead would be repeated after the owner's name in
    generators that already prefix inline schemas with it (openapi-python-client)."""
    contents: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for definition in merged["components"]["schemas"].values():
        contents[definition["title"]].append(_untitled(definition))
    roots = [*merged["components"]["schemas"].values(), merged["paths"]]
    inline = [node for root in roots for node in _titled_inline_schemas(root)]
    for node in inline:
        contents[node["title"]].append(_untitled(node))
    clashing = {title for title, seen in contents.items() if any(other != seen[0] for other in seen)}
    for node in inline:
        if node["title"] in clashing:
            del node["title"]


def merge(gateway_doc: dict[str, Any], service_docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Schemas a service shares verbatim with the gateway keep the gateway's name; every other
    service schema is prefixed with the service name (GoalsVisionRead). Every schema is titled
    with its name."""
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
    merged.setdefault("components", {})["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
    merged["security"] = [{"bearer": []}]
    # Relative: the document is served by the gateway it describes, wherever that is deployed.
    merged["servers"] = [{"url": "/", "description": "the gateway serving this document"}]
    gateway_schemas = gateway_doc.get("components", {}).get("schemas", {})
    owners: dict[str, str] = {}
    gateway_renames = {}
    for name, definition in gateway_schemas.items():
        gateway_renames[name] = clean_name(name, definition)
        _claim(owners, gateway_renames[name], f"the gateway's {name}")
    schemas = {gateway_renames[name]: _rewrite_refs(definition, gateway_renames) for name, definition in gateway_schemas.items()}
    merged["components"]["schemas"] = schemas
    merged["paths"] = _rewrite_refs(merged.get("paths", {}), gateway_renames)
    tags = {tag["name"]: tag for tag in merged.get("tags", [])}
    operation_ids = {op.get("operationId") for item in merged["paths"].values() for op in item.values() if isinstance(op, dict)}
    for service, doc in sorted(service_docs.items()):
        service_schemas = doc.get("components", {}).get("schemas", {})
        shared = _shared_with_gateway(service_schemas, gateway_schemas)
        renames = {}
        for name, definition in service_schemas.items():
            if name in shared:
                renames[name] = gateway_renames[shared[name]]
            else:
                renames[name] = _pascal(service) + clean_name(name, definition)
                _claim(owners, renames[name], f"{service}'s {name}")
        for name, definition in service_schemas.items():
            if name not in shared:
                schemas[renames[name]] = _rewrite_refs(definition, renames)
        for path, item in doc.get("paths", {}).items():
            if path in merged["paths"]:
                raise ValueError(f"path {path} is defined by the gateway and by {service}")
            item = _rewrite_refs(item, renames)
            for operation in item.values():
                if isinstance(operation, dict) and "operationId" in operation:
                    # Ids are part of the contract (client generators use them): a clash is a
                    # bug to fix in the service, never something to rename silently.
                    if operation["operationId"] in operation_ids:
                        raise ValueError(f"operationId {operation['operationId']} of {service} is already taken")
                    operation_ids.add(operation["operationId"])
                    _declare_gateway_failures(operation, gateway_renames.get("Problem", "Problem"))
            merged["paths"][path] = item
        for tag in doc.get("tags", []):
            tags.setdefault(tag["name"], tag)
    for name, definition in schemas.items():
        definition["title"] = name
    _untitle_clashing_inline_schemas(merged)
    if tags:
        merged["tags"] = list(tags.values())
    describe_enums(merged)
    return merged
