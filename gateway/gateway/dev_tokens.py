"""The development issuer's endpoint: a token for a directory user or machine client, for demos and local work only."""

from typing import Any, Literal, Self

from pydantic import BaseModel, Field, ValidationError, model_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.auth.tokens import DevIssuer
from gateway.directory import repository
from gateway.directory.models import PrincipalKind
from styrkedjan_common.problems import PROBLEM_MEDIA_TYPE, problem_response, problem_type
from styrkedjan_common.schemas import InputModel

USAGE = 'send {"subject": "<user subject>"} or {"client_id": "<machine client id>"}'


class DevTokenRequest(InputModel):
    subject: str | None = Field(default=None, min_length=1, max_length=200)
    client_id: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.subject is None) == (self.client_id is None):
            raise ValueError("give either subject (a person) or client_id (a machine client)")
        return self


class DevToken(BaseModel):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Seconds the token is valid")


def declare_in_openapi(schema: dict[str, Any], path: str) -> None:
    """The endpoint in the gateway's document, while the development issuer is on: open to anyone
    (no token is needed to get one), so it carries no roles and no security requirement; its
    Idempotency-Key and answer headers are declared with everyone else's (problem_openapi)."""
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["DevTokenRequest"] = DevTokenRequest.model_json_schema()
    schemas["DevToken"] = DevToken.model_json_schema()
    problem = {"content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    schema.setdefault("paths", {})[path] = {
        "post": {
            "tags": ["auth"],
            "summary": "Mint a development token",
            "description": "A token for an active directory user or machine client, for demos and local work: "
            "on only where the development issuer is enabled, never in production. " + USAGE + ".",
            "operationId": "auth-mint-dev-token",
            "security": [],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/DevTokenRequest"}, "example": {"subject": "kf.demo"}}
                },
            },
            "responses": {
                "200": {
                    "description": "The token",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DevToken"}}},
                },
                "404": {"description": "No active user or machine client by that name", **problem},
                "422": {"description": "The request is not valid", **problem},
            },
        }
    }


def dev_token_route(issuer: DevIssuer) -> Any:
    async def mint(request: Request) -> Response:
        try:
            data = DevTokenRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            errors = [{"pointer": "#" + "".join(f"/{p}" for p in e["loc"]), "detail": e["msg"]} for e in exc.errors()]
            return problem_response(422, USAGE, errors=errors, type_=problem_type("validation-failed"))
        kind = PrincipalKind.PERSON if data.subject is not None else PrincipalKind.CLIENT
        subject = data.subject or data.client_id or ""
        async with request.app.state.read_sessionmaker() as session:
            principal = await repository.get_user_by_subject(session, subject)
        if principal is None or principal.kind != kind.value or not principal.active:
            what = "user with subject" if kind == PrincipalKind.PERSON else "machine client with client id"
            return problem_response(404, f"no active {what} '{subject}'", type_=problem_type("not-found"))
        if kind == PrincipalKind.CLIENT:
            token = issuer.mint_client(principal.subject, principal.display_name)
        else:
            token = issuer.mint(principal.subject, principal.display_name)
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": issuer.ttl})

    return mint
