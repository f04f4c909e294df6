"""RFC 9457 problem details for every failure, 422 included; never a stack trace."""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

import orjson
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import Send

from styrkedjan_common.context import request_id_var

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = structlog.get_logger("styrkedjan.problems")


class InvalidParam(BaseModel):
    pointer: str = Field(description="JSON pointer (body) or `#/query/name`, `#/path/name`, `#/header/name`")
    detail: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(default="about:blank", examples=["urn:styrkedjan:problem:rule-violation"])
    title: str = Field(examples=["Conflict"])
    status: int = Field(examples=[409])
    detail: str | None = Field(default=None, examples=["a decided version is immutable; create a new revision"])
    instance: str | None = None
    request_id: str | None = None
    errors: list[InvalidParam] | None = None


# RFC 9110's names where Python's HTTPStatus (3.11) still has the older ones: one title per status.
_RFC_9110_TITLES = {413: "Content Too Large", 414: "URI Too Long", 416: "Range Not Satisfiable", 422: "Unprocessable Content"}


def status_title(status: int) -> str:
    """The problem title of a status, the same wherever the problem is made."""
    return _RFC_9110_TITLES.get(status) or HTTPStatus(status).phrase


def problem_type(slug: str) -> str:
    return f"urn:styrkedjan:problem:{slug}"


def problem_body(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    type_: str = "about:blank",
    instance: str | None = None,
    errors: list[dict[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> bytes:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or status_title(status),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    request_id = request_id_var.get()
    if request_id:
        body["request_id"] = request_id
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    return orjson.dumps(body)


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> Response:
    return Response(problem_body(status, detail, **kwargs), status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


async def send_problem(send: Send, status: int, detail: str, slug: str, instance: str, headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    """Answer with a problem document straight over ASGI, for the pure-ASGI layers that refuse a
    request before any FastAPI app sees it (authentication, the gateway's routing and proxy)."""
    body = problem_body(status, detail, type_=problem_type(slug), instance=instance)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


class ProblemError(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    status: int = 400
    slug: str = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        slug: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        if slug is not None:
            self.slug = slug
        self.errors = errors
        self.headers = headers


class NotFound(ProblemError):
    status, slug = 404, "not-found"


class Forbidden(ProblemError):
    status, slug = 403, "forbidden"


class Unauthorized(ProblemError):
    status, slug = 401, "unauthorized"


class RuleViolation(ProblemError):
    """A domain rule refused the request; `detail` names the rule in plain words."""

    status, slug = 409, "rule-violation"


class InvalidInput(ProblemError):
    status, slug = 422, "invalid-input"


class PreconditionFailed(ProblemError):
    status, slug = 412, "precondition-failed"


class PreconditionRequired(ProblemError):
    status, slug = 428, "precondition-required"


def _pointer(location: tuple[Any, ...]) -> str:
    if not location:
        return "#"
    head, *rest = location
    path = "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in rest)
    if head == "body":
        return "#/" + path if path else "#"
    return f"#/{head}/{path}" if path else f"#/{head}"


def validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    return [{"pointer": _pointer(tuple(err.get("loc", ()))), "detail": err.get("msg", "invalid")} for err in exc.errors()]


def _unreadable_body(exc: StarletteHTTPException) -> str | None:
    """What is wrong with a JSON body FastAPI could not read, or None for any other HTTP error.

    FastAPI answers a body that is not JSON with a 422, but one it cannot even decode (bytes that are
    not UTF-8, nesting deeper than the parser recurses) with a bare 400 that no operation declares.
    Both are invalid input, so both are answered like any other invalid body."""
    if exc.status_code != 400 or exc.detail != "There was an error parsing the body":
        return None
    if isinstance(exc.__cause__, UnicodeDecodeError):
        return "the body is not UTF-8 encoded JSON"
    if isinstance(exc.__cause__, RecursionError):
        return "the body is nested too deeply to be read"
    return "the body could not be read"


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        return problem_response(
            exc.status,
            exc.detail,
            type_=problem_type(exc.slug),
            instance=request.url.path,
            errors=exc.errors,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = validation_errors(exc)
        return problem_response(
            422,
            f"the request is not valid: {len(errors)} error(s)",
            type_=problem_type("validation-failed"),
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        unreadable = _unreadable_body(exc)
        if unreadable:
            return problem_response(
                422,
                "the request is not valid: 1 error(s)",
                type_=problem_type("validation-failed"),
                instance=request.url.path,
                errors=[{"pointer": "#", "detail": unreadable}],
            )
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != HTTPStatus(exc.status_code).phrase else None
        return problem_response(exc.status_code, detail, instance=request.url.path, headers=getattr(exc, "headers", None))

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> Response:
        return problem_response(
            412,
            "the record was changed by someone else while this request ran; read it again and retry",
            type_=problem_type("precondition-failed"),
            instance=request.url.path,
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> Response:
        log.warning("integrity_error", path=request.url.path, error=str(exc.orig))
        return problem_response(
            409,
            "the change conflicts with data stored meanwhile (a uniqueness or reference rule); nothing was changed",
            type_=problem_type("conflict"),
            instance=request.url.path,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled_error", path=request.url.path)
        return problem_response(500, "an unexpected error occurred; it has been logged", instance=request.url.path)


# Declared on every operation so clients see the problem shape of each failure.
def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {
            "description": status_title(status),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
