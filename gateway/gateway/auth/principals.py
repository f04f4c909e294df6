"""Turns a verified token's subject into a Principal (assignments and scope) and signs assertions for it.

A token's user claim names a person of the directory. When no person has it and the token names
the OAuth client it was issued to, the directory's machine client with that client id is the
caller (an integration signed in with client credentials). A person is only ever matched as a
person and a client only as a client, whatever their subjects look like.

Both are cached briefly: resolving reads the directory, signing costs an Ed25519 signature, and
the proxy's hot path should do neither on every request. Directory writes through this gateway
clear the cache at once; other replicas see them within `principal_cache_seconds`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.auth.tokens import TokenSubject
from gateway.directory import repository
from gateway.directory.models import PrincipalKind as DirectoryKind
from gateway.directory.models import User
from gateway.directory.tree import OrgTree
from styrkedjan_common.identity import AssertionSigner, Assignment, Principal, PrincipalKind, Role


@dataclass
class Caller:
    """A resolved caller; `refusal` says why a known token still may not act. `subject` is the
    person's subject, or the machine client's client id."""

    subject: str
    principal: Principal | None
    refusal: str | None
    email: str | None
    expires: float
    assertions: dict[str, tuple[str, float]] = field(default_factory=dict)


class PrincipalResolver:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], signer: AssertionSigner, cache_seconds: float) -> None:
        self._sessionmaker = sessionmaker
        self._signer = signer
        self._cache_seconds = cache_seconds
        self._callers: dict[TokenSubject, Caller] = {}
        self._loading: dict[TokenSubject, asyncio.Future[Caller]] = {}
        self._generation = 0
        self._tree: tuple[float, OrgTree] | None = None

    def invalidate(self) -> None:
        self._generation += 1  # a load already under way must not store what it read before
        self._callers.clear()
        self._tree = None

    async def tree(self, session: AsyncSession) -> OrgTree:
        now = time.monotonic()
        if self._tree is None or self._tree[0] < now:
            self._tree = (now + self._cache_seconds, OrgTree(await repository.tree_rows(session)))
        return self._tree[1]

    async def resolve(self, subject: TokenSubject) -> Caller:
        now = time.monotonic()
        caller = self._callers.get(subject)
        if caller is not None and caller.expires > now:
            return caller
        pending = self._loading.get(subject)
        if pending is not None:
            # One load per subject at a time: concurrent requests must not all hit the directory
            # when an entry expires. Meanwhile the expired entry is still served.
            return caller if caller is not None else await asyncio.shield(pending)
        future: asyncio.Future[Caller] = asyncio.get_running_loop().create_future()
        self._loading[subject] = future
        generation = self._generation
        try:
            async with self._sessionmaker() as session:
                caller = await self._load(session, subject, time.monotonic() + self._cache_seconds)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters get it, nobody else needs to
            raise
        finally:
            del self._loading[subject]
        future.set_result(caller)
        if generation == self._generation:
            if len(self._callers) > 50000:
                self._callers.clear()
            self._callers[subject] = caller
        return caller

    async def _load(self, session: AsyncSession, subject: TokenSubject, expires: float) -> Caller:
        person = await self._principal(session, subject.person, DirectoryKind.PERSON)
        if person is not None:
            if not person.active:
                # A deactivated person never falls back to the app they signed in through.
                return Caller(person.subject, None, "the signed-in user is deactivated in the directory", person.email, expires)
            return await self._caller(session, person, PrincipalKind.PERSON, expires)
        client = await self._principal(session, subject.client, DirectoryKind.CLIENT)
        if client is not None:
            if not client.active:
                return Caller(client.subject, None, f"the machine client '{client.subject}' is deactivated in the directory", None, expires)
            return await self._caller(session, client, PrincipalKind.CLIENT, expires)
        if subject.person is None:
            return Caller(
                str(subject.client), None, f"the machine client '{subject.client}' is not registered in the directory", None, expires
            )
        return Caller(subject.person, None, "the signed-in user is not registered in the directory", None, expires)

    @staticmethod
    async def _principal(session: AsyncSession, subject: str | None, kind: DirectoryKind) -> User | None:
        """The directory principal of this kind with this subject: one of the other kind is no match."""
        if subject is None:
            return None
        user = await repository.get_user_by_subject(session, subject)
        return user if user is not None and user.kind == kind.value else None

    async def _caller(self, session: AsyncSession, user: User, kind: PrincipalKind, expires: float) -> Caller:
        tree = await self.tree(session)
        assignments = tuple(
            Assignment(
                role=Role(a.role),
                org_unit_id=str(a.org_unit_id),
                scope=tree.scope(str(a.org_unit_id), serves_board=Role(a.role) == Role.FORVALTNING),
            )
            for a in await repository.assignments_of(session, user.id, on=dt.date.today())
        )
        principal = Principal(user_id=str(user.id), name=user.display_name, assignments=assignments, kind=kind)
        return Caller(user.subject, principal, None, user.email, expires)

    def assertion(self, caller: Caller, audience: str) -> str:
        """A signed assertion for the service, reused while more than half its lifetime remains."""
        now = time.time()
        held = caller.assertions.get(audience)
        if held is not None and held[1] - now > self._signer.ttl_seconds / 2:
            return held[0]
        assert caller.principal is not None
        token, expires = self._signer.sign(caller.principal, audience, now=now)
        caller.assertions[audience] = (token, expires)
        return token

    def system_assertion(self, audience: str) -> str:
        """The gateway's own identity, for reading services' API descriptions."""
        token, _ = self._signer.sign(Principal(user_id="gateway", name="Styrkedjan gateway", assignments=()), audience)
        return token
