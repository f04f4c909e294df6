"""What the follow-up service's clients share: reading a callee's answer into a model, and walking
a list to its end."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import aiohttp
import orjson
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from styrkedjan_common.clients import CalleeRefused, CalleeUnavailable, ServiceClient
from styrkedjan_common.identity import HEADER
from styrkedjan_common.problems import ProblemError

Model = TypeVar("Model")
Item = TypeVar("Item")
# The callees' largest page (styrkedjan_common.http.MAX_LIMIT): a list is read in as few calls as it can.
PAGE_SIZE = 200
# A list longer than this many pages is not a list the report can use: a callee that keeps
# answering with a next cursor is refused instead of read forever.
MAX_PAGES = 100


class CalleeAnswer(BaseModel):
    """A callee's read model as the follow-up report uses it: the fields named are checked, the
    others kept as they came."""

    model_config = ConfigDict(extra="allow")


class CalleeAnswerInvalid(ProblemError):
    """The callee answered with something the report cannot read (its contract changed): a bad
    gateway, as a refusal is."""

    status = 502
    slug = "callee-answer-invalid"

    def __init__(self, callee: str, detail: str) -> None:
        super().__init__(f"the answer of the {callee} service is not what the follow-up service reads: {detail}")


class FollowupClient(ServiceClient):
    async def read(self, model: type[Model] | Any, path: str, params: dict[str, Any] | None = None) -> Model:
        """GET the path and read its answer as `model` (a model or any type pydantic reads)."""
        answer = await self.get_json(path, params)
        try:
            value: Model = TypeAdapter(model).validate_python(answer)
        except ValidationError as exc:
            raise CalleeAnswerInvalid(self.callee, _first_error(exc)) from exc
        return value

    async def read_or_none(self, model: type[Model] | Any, path: str, params: dict[str, Any] | None = None) -> Model | None:
        """As `read`, None when the callee has no such thing (404): an annual statement not yet made, say."""
        try:
            return await self.read(model, path, params)
        except CalleeRefused as refused:
            if refused.callee_status == 404:
                return None
            raise

    async def post(self, model: type[Model] | Any, path: str, body: Any, *, if_match: str | None = None) -> Model:
        """POST a JSON body as this service and read the answer as `model`; a callee down, too slow or
        refusing is the same 503, 504 or 502 problem naming it as on a read."""
        headers = {HEADER: self.signer.assertion(self.callee), "accept": "application/json", "content-type": "application/json"}
        if if_match is not None:
            headers["if-match"] = if_match
        try:
            async with self._http().post(f"{self.base_url}{self.prefix}{path}", data=orjson.dumps(body), headers=headers) as response:
                answer = await response.read()
                status = response.status
        except TimeoutError as exc:
            raise CalleeUnavailable(f"the {self.callee} service did not answer in time", status=504) from exc
        except aiohttp.ClientError as exc:
            raise CalleeUnavailable(f"the {self.callee} service is unavailable", headers={"Retry-After": "5"}) from exc
        try:
            document = orjson.loads(answer)
        except orjson.JSONDecodeError as exc:
            raise CalleeRefused(self.callee, status, "the answer is not JSON") from exc
        if status >= 400:
            detail = document.get("detail") if isinstance(document, dict) else None
            raise CalleeRefused(self.callee, status, str(detail or f"status {status}"))
        try:
            value: Model = TypeAdapter(model).validate_python(document)
        except ValidationError as exc:
            raise CalleeAnswerInvalid(self.callee, _first_error(exc)) from exc
        return value

    async def read_all(self, model: type[Model], path: str, params: dict[str, Any] | None = None) -> list[Model]:
        """Every item of a list operation (a Page: items and next_cursor), walking its pages."""
        items: list[Model] = []
        cursor: str | None = None
        page_of_model: Any = _Page[model]  # type: ignore[valid-type]  # a model made for the item type at run time
        for _ in range(MAX_PAGES):
            page: _Page[Model] = await self.read(page_of_model, path, (params or {}) | {"limit": PAGE_SIZE, "cursor": cursor})
            items.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                return items
        raise CalleeAnswerInvalid(self.callee, f"{path} has more than {MAX_PAGES * PAGE_SIZE} items")


class _Page(BaseModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None = None


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = "/".join(str(part) for part in error["loc"])
    return f"{where or 'the answer'}: {error['msg']}"
