"""Authenticates every /api call before routing: bearer token → subject → directory principal."""

from __future__ import annotations

from typing import Any

from gateway.auth.tokens import InvalidToken
from styrkedjan_common.problems import send_problem


class AuthenticationMiddleware:
    def __init__(self, app: Any, runtime: Any, exempt: frozenset[str]) -> None:
        self.app = app
        self.runtime = runtime
        self.exempt = exempt

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/") or path in self.exempt:
            await self.app(scope, receive, send)
            return
        token = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, credentials = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and credentials.strip():
                    token = credentials.strip()
                break
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
