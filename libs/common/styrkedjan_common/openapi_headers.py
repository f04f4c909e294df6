"""The headers every app's OpenAPI document declares: what a request must send, what an answer carries.

An operation that answers 428 updates a record under optimistic locking (`require_if_match`): it
takes the record's ETag in a required `If-Match`. Every answer carries `X-Request-ID` (the request
context middleware echoes or makes one). A record's answer carries its ETag: the answers of the
operations that take one in If-Match, the reads of the same path, and every answer whose body is a
record carrying its `row_version` (the version the ETag is made from); every other JSON read carries
a weak ETag of its body (`ConditionalReads`). A record created with 201 says where it is read in
`Location`. Each response holds its headers written out, not referred to: generators and validators
read them without resolving references.
"""

from __future__ import annotations

from typing import Any

REQUEST_ID = "X-Request-ID"
ETAG = "ETag"
LOCATION = "Location"
RETRY_AFTER = "Retry-After"

IF_MATCH_PARAMETER: dict[str, Any] = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": (
        "The record's ETag: the ETag you last read of it (from its read or the answer to your last change). Without it the "
        "answer is 428; when the record has changed since, 412 (read it again and retry). `*` matches any version."
    ),
    "schema": {"type": "string", "examples": ['"0b8f2c1e-5d7a-4f3e-9c1a-2b6d8e4f7a90.3"']},
}

HEADERS: dict[str, dict[str, Any]] = {
    REQUEST_ID: {
        "description": "The request's id: the one the caller sent in X-Request-ID, else a new one. Logs and problem documents carry it.",
        "schema": {"type": "string"},
    },
    ETAG: {
        "description": (
            "The answer's version. A record's answer carries the record's version: send it back in If-Match to change "
            'or delete the record. Another read (a list, a summary) carries a weak tag of its body (W/"..."): send it '
            "in If-None-Match and an unchanged answer is 304, without a body."
        ),
        "schema": {"type": "string"},
    },
    LOCATION: {"description": "Where the created record is read", "schema": {"type": "string", "format": "uri-reference"}},
    RETRY_AFTER: {"description": "Seconds to wait before retrying", "schema": {"type": "integer", "minimum": 0}},
}


def header(name: str) -> dict[str, Any]:
    """The declaration of one of the HEADERS, to write into a response."""
    return dict(HEADERS[name])


def takes_if_match(operation: dict[str, Any]) -> bool:
    """428 is what an update under optimistic locking answers when If-Match is missing."""
    return "428" in operation.get("responses", {})


def _is_record(schema: dict[str, Any] | None, schemas: dict[str, Any]) -> bool:
    if schema is None:
        return False
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = schemas.get(ref.rsplit("/", 1)[1], {})
    return "row_version" in schema.get("properties", {})


def _json_schema(response: dict[str, Any]) -> dict[str, Any] | None:
    schema: dict[str, Any] | None = response.get("content", {}).get("application/json", {}).get("schema")
    return schema


def _record_path(path: str, paths: dict[str, dict[str, Any]]) -> bool:
    """A path where some operation takes a record's If-Match, or a record's own path (it ends in
    its id) beneath which one does."""
    return any(
        (other == path or path.endswith("}") and other.startswith(path + "/"))
        and any(takes_if_match(op) for op in _operations(item).values())
        for other, item in paths.items()
    )


def _answers_record(
    method: str, path: str, status: str, response: dict[str, Any], operation: dict[str, Any], paths: dict[str, Any], schemas: dict[str, Any]
) -> bool:
    """2xx with a body, of an operation taking If-Match, of the read of a record's path, or a versioned record."""
    if not status.startswith("2") or status == "204":
        return False
    if takes_if_match(operation) or (method == "get" and _record_path(path, paths)):
        return True
    return _is_record(_json_schema(response), schemas)


def _tagged_read(method: str, status: str, response: dict[str, Any]) -> bool:
    """A JSON read whose handler gives it no version: ConditionalReads tags its body."""
    return method == "get" and status == "200" and _json_schema(response) is not None


def declare_headers(schema: dict[str, Any]) -> None:
    """If-Match where it is required; X-Request-ID on every answer, ETag and Location where they are set."""
    paths: dict[str, dict[str, Any]] = schema.get("paths", {})
    schemas = schema.get("components", {}).get("schemas", {})
    answers = [
        (path, method, operation, str(status), response)
        for path, item in paths.items()
        for method, operation in _operations(item).items()
        for status, response in operation.get("responses", {}).items()
    ]
    records = [answer for answer in answers if _answers_record(answer[1], answer[0], answer[3], answer[4], answer[2], paths, schemas)]
    record_answers = {id(answer[4]) for answer in records}
    # Whatever answers the same body as a record's read (its creation, a new revision) is that record.
    record_reads = [_json_schema(answer[4]) for answer in records if answer[1] == "get"]
    for _, method, operation, status, response in answers:
        headers = response.setdefault("headers", {})
        headers[REQUEST_ID] = header(REQUEST_ID)
        body = _json_schema(response)
        same_as_record_read = status.startswith("2") and status != "204" and body is not None and body in record_reads
        if id(response) in record_answers or same_as_record_read or _tagged_read(method, status, response):
            headers[ETAG] = header(ETAG)
        # What a POST creates has an address; a PUT that creates answers a record at its own path.
        if status == "201" and (method == "post" or _is_record(body, schemas)):
            headers[LOCATION] = header(LOCATION)
        if takes_if_match(operation):
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("in") == "header" and p.get("name", "").lower() == "if-match" for p in parameters):
                parameters.append(dict(IF_MATCH_PARAMETER))


def _operations(path_item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {method: operation for method, operation in path_item.items() if isinstance(operation, dict) and "responses" in operation}
