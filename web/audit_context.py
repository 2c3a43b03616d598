"""Who and where, for the audit trail: the signed-in caller and the client's address, set
for each request so that services can record them (hall.audit.CURRENT).

The address is the socket peer's: the configuration has no trusted-proxy setting, and an
X-Forwarded-For header from anyone else would let a caller write any address."""

from __future__ import annotations

from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from hall import audit


class AuditContextMiddleware(ASGIMiddleware):
    """Runs after AuthenticationMiddleware, which puts the Principal on the scope."""

    scopes = ("http",)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        user = scope.get("user")
        client = scope.get("client")
        actor = audit.Actor(
            account_id=user.account_id if user else None,
            name=f"{user.display_name} ({user.username})" if user else "",
            address=client[0] if client else "",
        )
        with audit.acting(actor):
            await next_app(scope, receive, send)
