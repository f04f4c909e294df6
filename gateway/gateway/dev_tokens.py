"""The development issuer's endpoint: a token for a directory user, for demos and local work only."""

from typing import Any

from pydantic import Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.auth.tokens import DevIssuer
from gateway.directory import repository
from styrkedjan_common.problems import problem_response, problem_type
from styrkedjan_common.schemas import InputModel


class DevTokenRequest(InputModel):
    subject: str = Field(min_length=1, max_length=200)


def dev_token_route(issuer: DevIssuer) -> Any:
    async def mint(request: Request) -> Response:
        try:
            data = DevTokenRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            errors = [{"pointer": "#" + "".join(f"/{p}" for p in e["loc"]), "detail": e["msg"]} for e in exc.errors()]
            return problem_response(422, 'send {"subject": "<user subject>"}', errors=errors, type_=problem_type("validation-failed"))
        async with request.app.state.read_sessionmaker() as session:
            user = await repository.get_user_by_subject(session, data.subject)
        if user is None or not user.active:
            return problem_response(404, f"no active user with subject '{data.subject}'", type_=problem_type("not-found"))
        token = issuer.mint(user.subject, user.display_name)
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": issuer.ttl})

    return mint
