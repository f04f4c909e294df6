"""Idempotency keys: a client that retries a POST with the same `Idempotency-Key` gets the first
answer again instead of a second write (the IETF draft "The Idempotency-Key HTTP Header Field").

A POST whose answer was lost (the gateway gave up with 504 while the service went on and committed)
is safe to send again with its key. How a keyed POST is answered:

1. `IdempotencyMiddleware` (pure ASGI) notes the key; a request without one is not touched.
2. Once the operation's role policy has admitted the caller (`PolicyRoute` calls `KeyedRequest.begin`),
   the key is checked, the body is read (spooled) and fingerprinted with the method, path, query and
   preconditions, and the key is reserved for the caller in a short transaction of its own, committed
   before the operation runs, so that a second request with the key sees it at once:
   - no record: the key is reserved and the operation runs;
   - a record of another request (method, path, query, If-Match or body): 422 naming the header;
   - a record still without an answer: 409 with Retry-After, and the operation does not run;
   - a record with an answer: that answer again (status, headers, body), marked `Idempotent-Replayed: true`.
3. The answer is stored before it is sent, so a retry that follows it finds it. Final answers are
   stored, refusals (4xx) included: they are what that request got, and a refusal changed nothing.
   Answers that invite a later retry (5xx, 408, 425, 429) and failures release the key, so the retry runs.

Keys are per caller and per service, and expire (`idempotency_key_ttl_seconds`, 24 h by default);
an expired record counts as absent and expired records are removed now and then.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from tempfile import SpooledTemporaryFile
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import Index, Integer, LargeBinary, String, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from styrkedjan_common.db import JSONType, UTCDateTime, utcnow
from styrkedjan_common.problems import PROBLEM_MEDIA_TYPE, InvalidInput, ProblemError

log = structlog.get_logger("styrkedjan.idempotency")

HEADER_NAME = "Idempotency-Key"
REPLAYED_HEADER_NAME = "Idempotent-Replayed"
POINTER = f"#/header/{HEADER_NAME}"
MAX_KEY_LENGTH = 255
_HEADER = b"idempotency-key"
_REPLAYED = (b"idempotent-replayed", b"true")
_STATE = "idempotency"
# Answers that ask the client to come back later are not the request's result: the key is released.
_RETRY_LATER = frozenset({408, 425, 429})
# Every answer has its own request id, length and date; a replay gets its own.
_UNSTORED_HEADERS = frozenset({b"content-length", b"x-request-id", b"date", b"server", b"set-cookie", b"transfer-encoding", b"connection"})
# Part of what makes two requests the same request, beside method, path, query and body.
_FINGERPRINTED_HEADERS = (b"if-match", b"if-none-match")
# A keyed body is kept in memory up to this size, beyond it in a temporary file (an import of actuals).
_SPOOL_IN_MEMORY = 1024 * 1024
_REPLAY_PIECE = 64 * 1024
# Expired records are removed at most this often per process, by the first keyed request after it.
PURGE_INTERVAL_SECONDS = 60.0
IN_USE_RETRY_AFTER_SECONDS = 1


class IdempotencyRecordMixin:
    """One key of one caller: the request it came with (a fingerprint of method, path, query,
    If-Match and body) and, once answered, the answer. Each app maps it onto its own declarative base."""

    __tablename__ = "idempotency_record"

    actor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    # Null while the first request is still being answered.
    status: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[list[Any] | None] = mapped_column(JSONType)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    if TYPE_CHECKING:

        def __init__(self, **kw: Any) -> None: ...

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (Index("ix_idempotency_record_expires_at", "expires_at"),)


def records_beside(model: Any) -> type[IdempotencyRecordMixin] | None:
    """The idempotency table in the same metadata (the same database) as `model`, an app's audit
    events: every app's db.py maps both. The apps' bases share one registry, so the metadata tells
    them apart when several apps are imported into one process."""
    for mapper in model.registry.mappers:
        if issubclass(mapper.class_, IdempotencyRecordMixin) and mapper.local_table.metadata is model.metadata:
            found: type[IdempotencyRecordMixin] = mapper.class_
            return found
    return None


class IdempotencyRecords:
    """The SQL of the idempotency table, on plain connections: a keyed request's own short
    transactions need no ORM session (each would cost more than its one statement)."""

    def __init__(self, model: type[IdempotencyRecordMixin]) -> None:
        self.model = model

    def _of(self, actor_id: str, key: str) -> Any:
        return (self.model.actor_id == actor_id) & (self.model.key == key)

    async def reserve(self, connection: AsyncConnection, actor_id: str, key: str, fingerprint: str, now: datetime, ttl: timedelta) -> bool:
        """Insert the key without an answer unless the caller holds it already; true when inserted.
        A concurrent insert of the same key waits for the other transaction and then inserts nothing."""
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(self.model)
            .values(actor_id=actor_id, key=key, fingerprint=fingerprint, created_at=now, expires_at=now + ttl)
            .on_conflict_do_nothing(index_elements=["actor_id", "key"])
        )
        result = await connection.execute(statement)
        return result.rowcount == 1

    async def find(self, connection: AsyncConnection, actor_id: str, key: str) -> Any:
        m = self.model
        statement = select(m.fingerprint, m.status, m.headers, m.body, m.expires_at).where(self._of(actor_id, key))
        return (await connection.execute(statement)).one_or_none()

    async def remove_if_expired(self, connection: AsyncConnection, actor_id: str, key: str, now: datetime) -> None:
        await connection.execute(delete(self.model).where(self._of(actor_id, key), self.model.expires_at <= now))

    async def remove_expired(self, connection: AsyncConnection, now: datetime) -> None:
        await connection.execute(delete(self.model).where(self.model.expires_at <= now))

    async def store_answer(
        self, connection: AsyncConnection, actor_id: str, key: str, status: int, headers: list[list[str]], body: bytes
    ) -> None:
        await connection.execute(update(self.model).where(self._of(actor_id, key)).values(status=status, headers=headers, body=body))

    async def release(self, connection: AsyncConnection, actor_id: str, key: str) -> None:
        """Forget a reservation whose request got no answer worth keeping."""
        await connection.execute(delete(self.model).where(self._of(actor_id, key), self.model.status.is_(None)))


def _invalid_key(detail: str) -> InvalidInput:
    return InvalidInput(f"the {HEADER_NAME} header is not valid: {detail}", errors=[{"pointer": POINTER, "detail": detail}])


def parse_key(values: list[bytes]) -> str:
    """The key of the request: 1 to 255 printable ASCII characters. The draft writes it as a
    structured-field string (`"8e03978e-..."`); its quotes are not part of the key."""
    if len(values) != 1:
        raise _invalid_key(f"send one {HEADER_NAME}, not {len(values)}")
    raw = values[0].strip(b" \t")
    if len(raw) >= 2 and raw.startswith(b'"') and raw.endswith(b'"'):
        raw = raw[1:-1]
    if not raw:
        raise _invalid_key("the key is empty")
    if len(raw) > MAX_KEY_LENGTH:
        raise _invalid_key(f"the key is longer than {MAX_KEY_LENGTH} characters")
    if not all(0x20 <= byte <= 0x7E for byte in raw):
        raise _invalid_key("the key holds characters other than printable ASCII")
    return raw.decode("ascii")


def key_in_use() -> ProblemError:
    return ProblemError(
        f"a request with this {HEADER_NAME} is still being answered; retry later",
        status=409,
        slug="idempotency-key-in-use",
        headers={"Retry-After": str(IN_USE_RETRY_AFTER_SECONDS)},
    )


def key_reused() -> InvalidInput:
    detail = "this key was used for another request (method, path, query, If-Match or body); use a new key for a new request"
    return InvalidInput(
        f"the {HEADER_NAME} was already used: {detail}", slug="idempotency-key-reused", errors=[{"pointer": POINTER, "detail": detail}]
    )


def replay(status: int, headers: list[list[str]] | None, body: bytes | None) -> Response:
    response = Response(content=body or b"", status_code=status)
    response.raw_headers.extend((name.encode("latin-1"), value.encode("latin-1")) for name, value in headers or [])
    response.raw_headers.append(_REPLAYED)
    return response


def _length_prefixed(part: bytes) -> bytes:
    return str(len(part)).encode() + b":" + part


class KeyedRequest:
    """One POST that carries an Idempotency-Key, from its key to its stored answer."""

    def __init__(
        self, middleware: IdempotencyMiddleware, records: IdempotencyRecords, scope: dict[str, Any], values: list[bytes], receive: Any
    ) -> None:
        self.middleware = middleware
        self.records = records
        self.scope = scope
        self.values = values
        self._receive = receive
        self._spool: Any = None
        self._spool_size = 0
        self._spool_sent = False
        self.actor_id = ""
        self.key = ""
        self.engine: AsyncEngine | None = None
        self.reserved = False
        self.settled = False
        self._start: dict[str, Any] | None = None
        self._body: list[bytes] = []

    async def begin(self, request: Request) -> Response | None:
        """After the role policy admitted the caller: reserve the key (None: the operation runs) or
        answer without running it (a replay), or raise the refusal (422, 409)."""
        key = parse_key(self.values)
        principal = self.scope.get("state", {}).get("principal")
        if principal is None:  # the policy check has refused such a request already
            return None
        fingerprint = await self._read_body()
        self.actor_id, self.key = principal.user_id, key
        self.engine = request.app.state.engine
        existing = await self.middleware.reserve(self.engine, self.actor_id, key, fingerprint)
        if existing is None:
            self.reserved = True
            return None
        if existing.fingerprint != fingerprint:
            raise key_reused()
        if existing.status is None:
            raise key_in_use()
        return replay(existing.status, existing.headers, existing.body)

    async def _read_body(self) -> str:
        """Spool the whole body while hashing it with what else identifies the request."""
        scope = self.scope
        digest = hashlib.sha256()
        conditions = {name: value for name, value in scope["headers"] if name in _FINGERPRINTED_HEADERS}
        for part in (
            scope["method"].encode(),
            scope["path"].encode(),
            scope["query_string"],
            *(conditions.get(h, b"") for h in _FINGERPRINTED_HEADERS),
        ):
            digest.update(_length_prefixed(part))
        spool: Any = SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115  # closed in finish(), after the operation read it
        self._spool = spool
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect
            chunk = message.get("body", b"")
            if chunk:
                digest.update(chunk)
                spool.write(chunk)
                self._spool_size += len(chunk)
            if not message.get("more_body", False):
                break
        spool.seek(0)
        return digest.hexdigest()

    async def receive(self) -> dict[str, Any]:
        """The operation reads the spooled body, then whatever the server says next (a disconnect)."""
        if self._spool is None or self._spool_sent:
            message: dict[str, Any] = await self._receive()
            return message
        piece = self._spool.read(_REPLAY_PIECE)
        more = self._spool.tell() < self._spool_size
        self._spool_sent = not more
        return {"type": "http.request", "body": piece, "more_body": more}

    def send_to(self, send: Any) -> Callable[[dict[str, Any]], Awaitable[None]]:
        async def send_answer(message: dict[str, Any]) -> None:
            if not self.reserved or self.settled:
                await send(message)
                return
            if message["type"] == "http.response.start":
                self._start = message
                return
            if message["type"] != "http.response.body" or self._start is None:
                await send(message)
                return
            self._body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(self._body)
            await self._settle(self._start, body)
            await send(self._start)
            await send({"type": "http.response.body", "body": body})

        return send_answer

    async def _settle(self, start: dict[str, Any], body: bytes) -> None:
        """Store the answer, or release the key when the answer invites a retry."""
        status: int = start["status"]
        self.settled = True
        if status >= 500 or status in _RETRY_LATER:
            await self._release()
            return
        headers = [
            [name.decode("latin-1"), value.decode("latin-1")]
            for name, value in start.get("headers", [])
            if name.lower() not in _UNSTORED_HEADERS
        ]
        try:
            async with self._engine().begin() as connection:
                await self.records.store_answer(connection, self.actor_id, self.key, status, headers, body)
        except Exception:
            # The operation has committed: the caller still gets its answer, and the key stays
            # reserved (a retry is refused with 409 until it expires) rather than run twice.
            log.exception("idempotency_answer_not_stored", key=self.key, actor=self.actor_id, status=status)

    def _engine(self) -> AsyncEngine:
        assert self.engine is not None  # set when the key was reserved
        return self.engine

    async def _release(self) -> None:
        try:
            async with self._engine().begin() as connection:
                await self.records.release(connection, self.actor_id, self.key)
        except Exception:
            log.exception("idempotency_key_not_released", key=self.key, actor=self.actor_id)

    async def finish(self) -> None:
        """A reserved key whose request ended without an answer (an error) is released."""
        try:
            if self.reserved and not self.settled:
                self.settled = True
                await self._release()
        finally:
            if self._spool is not None:
                self._spool.close()


class IdempotencyMiddleware:
    """Notes the Idempotency-Key of a POST for `PolicyRoute`, serves the spooled body to the
    operation and stores its answer. `records` is the app's idempotency table (None: keys are not kept)."""

    def __init__(self, app: Any, records: type[IdempotencyRecordMixin] | None, ttl_seconds: float) -> None:
        self.app = app
        self.records = IdempotencyRecords(records) if records is not None else None
        self.ttl = timedelta(seconds=ttl_seconds)
        self._next_purge = 0.0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        records = self.records
        if scope["type"] != "http" or scope["method"] != "POST" or records is None:
            await self.app(scope, receive, send)
            return
        values = [value for name, value in scope["headers"] if name == _HEADER]
        if not values:
            await self.app(scope, receive, send)
            return
        keyed = KeyedRequest(self, records, scope, values, receive)
        scope.setdefault("state", {})[_STATE] = keyed
        try:
            await self.app(scope, keyed.receive, keyed.send_to(send))
        finally:
            await keyed.finish()

    async def reserve(self, engine: AsyncEngine, actor_id: str, key: str, fingerprint: str) -> Any:
        """None when the key is now reserved for this request, else the caller's record of the key."""
        assert self.records is not None
        records = self.records
        now = utcnow()
        if engine.dialect.name == "sqlite":
            # A key already known is answered from a read outside any transaction: a writing one
            # would wait for SQLite's one write lock, which the first request may hold while it runs.
            async with engine.connect() as reader:
                await reader.execution_options(isolation_level="AUTOCOMMIT")
                known = await records.find(reader, actor_id, key)
            if known is not None and known.expires_at > now:
                return known
        purge = time.monotonic() >= self._next_purge
        if purge:
            self._next_purge = time.monotonic() + PURGE_INTERVAL_SECONDS
        async with engine.begin() as connection:
            if purge:
                await records.remove_expired(connection, now)
            for _ in range(3):
                if await records.reserve(connection, actor_id, key, fingerprint, now, self.ttl):
                    return None
                existing = await records.find(connection, actor_id, key)
                if existing is None:  # released meanwhile: reserve it again
                    continue
                if existing.expires_at > now:
                    return existing
                await records.remove_if_expired(connection, actor_id, key, now)
        raise key_in_use()


def keyed_request(request: Request) -> KeyedRequest | None:
    """The request's Idempotency-Key handling, when it is a POST that carries one."""
    keyed: KeyedRequest | None = request.scope.get("state", {}).get(_STATE)
    return keyed


def declare_in_openapi(schema: dict[str, Any]) -> None:
    """Every POST takes the optional header; a replayed answer says so; 409 and 422 are declared."""
    problem = {"content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    parameter = {
        "name": HEADER_NAME,
        "in": "header",
        "required": False,
        "description": (
            "Makes a retry safe: the first answer to a request with this key is stored for a day and a retry with the "
            "same key and the same request gets it again (marked `Idempotent-Replayed: true`) instead of writing twice. "
            "The same key with another request is 422; while the first request is still being answered, 409 with "
            "Retry-After. Keys are per caller; 1 to 255 printable ASCII characters (a UUID is a good key)."
        ),
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": "^[ -~]+$"},
    }
    replayed = {
        "description": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key",
        "schema": {"type": "string", "enum": ["true"]},
    }
    for path_item in schema.get("paths", {}).values():
        operation = path_item.get("post")
        if not isinstance(operation, dict):
            continue
        operation.setdefault("parameters", []).append(dict(parameter))
        responses = operation.setdefault("responses", {})
        for status, response in responses.items():
            if str(status).startswith("2"):
                response.setdefault("headers", {})[REPLAYED_HEADER_NAME] = replayed
        responses.setdefault(
            "409", {"description": "Conflict (also: a request with the same Idempotency-Key is still being answered)", **problem}
        )
        responses.setdefault("422", {"description": "The request is not valid", **problem})
