"""Authenticates every /api call before routing: bearer token → subject → directory principal.

A Styrkedjan service calls the gateway's own API (the directory's feed) with its own assertion in
`x-identity-assertion` instead of a bearer token; it is admitted there as the service, and the
operation's `x-services` decides. On a service's path behind the proxy that header is never read
(the proxy strips it): a service calls another service directly, and a client must not be able to
pass for one. A bearer token always wins over the header.
"""

from __future__ import annotations

from typing import Any

from gateway.auth.tokens import InvalidToken
from styrkedjan_common.identity import HEADER, AssertionVerifier, InvalidAssertion
from styrkedjan_common.problems import send_problem

# The gateway as the audience of a service's assertion.
DIRECTORY_AUDIENCE = "directory"
_ASSERTION_HEADER = HEADER.encode()


class AuthenticationMiddleware:
    def __init__(
        self,
        app: Any,
        runtime: Any,
        exempt: frozenset[str],
        proxied: frozenset[str] = frozenset(),
        services: AssertionVerifier | None = None,
    ) -> None:
        self.app = app
        self.runtime = runtime
        self.exempt = exempt
        # The names of the services behind the proxy (`/api/<name>/...`).
        self.proxied = proxied
        # Verifies the services' own assertions; None when no service's key is configured.
        self.services = services

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/") or path in self.exempt:
            await self.app(scope, receive, send)
            return
        token = assertion = None
        authorization_read = False
        for name, value in scope["headers"]:
            if name == b"authorization" and not authorization_read:
                authorization_read = True
                scheme, _, credentials = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and credentials.strip():
                    token = credentials.strip()
            elif name == _ASSERTION_HEADER and assertion is None:
                assertion = value.decode("latin-1")
        if token is None and assertion is not None and not self._proxied(path):
            await self._as_service(scope, receive, send, assertion)
            return
        if token is None:
            await send_problem(
                send,
                401,
                "sign in: send an OIDC bearer token in the Authorization header",
                "unauthenticated",
                path,
                [(b"www-authenticate", b'Bearer realm="styrkedjan"')],
            )
            return
        try:
            subject = await self.runtime.verifier.subject(token)
        except InvalidToken as exc:
            await send_problem(
                send, 401, str(exc), "invalid-token", path, [(b"www-authenticate", b'Bearer realm="styrkedjan", error="invalid_token"')]
            )
            return
        caller = await self.runtime.resolver.resolve(subject)
        if caller.principal is None:
            await send_problem(send, 403, caller.refusal or "not allowed", "unknown-user", path)
            return
        state = scope.setdefault("state", {})
        state["principal"] = caller.principal
        state["caller"] = caller
        state["user_id"] = caller.principal.user_id
        await self.app(scope, receive, send)

    def _proxied(self, path: str) -> bool:
        return path[5:].split("/", 1)[0] in self.proxied

    async def _as_service(self, scope: dict[str, Any], receive: Any, send: Any, assertion: str) -> None:
        path = scope["path"]
        if self.services is None:
            await send_problem(
                send, 401, "this gateway admits no service's assertion: no service key is configured", "invalid-assertion", path
            )
            return
        try:
            principal = self.services.verify(assertion)
        except InvalidAssertion as exc:
            await send_problem(send, 401, str(exc), "invalid-assertion", path)
            return
        if principal.service is None:
            # Only services' keys are known here, so this cannot be; were it ever, no person
            # may sign in without a bearer token.
            await send_problem(send, 401, "only a service's own assertion is accepted without a bearer token", "invalid-assertion", path)
            return
        state = scope.setdefault("state", {})
        state["principal"] = principal
        state["user_id"] = principal.user_id
        await self.app(scope, receive, send)
