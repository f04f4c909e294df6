"""The follow-up service's clients, built once per process from its settings and its own key, and
closed at shutdown; a route takes the one it needs as a dependency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from followup_service.clients.budget import BudgetClient
from followup_service.clients.goals import GoalsClient
from followup_service.clients.internal_control import InternalControlClient
from followup_service.settings import FollowupSettings
from styrkedjan_common.clients import CalleeUnavailable
from styrkedjan_common.identity import ServiceSigner
from styrkedjan_common.metrics import Metrics, UpstreamMeter


@dataclass(frozen=True, slots=True)
class Callees:
    goals: GoalsClient
    budget: BudgetClient
    internal_control: InternalControlClient

    async def close(self) -> None:
        for client in (self.goals, self.budget, self.internal_control):
            await client.close()


def build_callees(settings: FollowupSettings, signer: ServiceSigner | None, metrics: Metrics | None = None) -> Callees | None:
    """The clients, or None without a key of the service's own (it cannot sign its calls); their
    calls are measured in `metrics` when given."""
    if signer is None:
        return None
    connect, read = settings.client_connect_timeout_seconds, settings.client_read_timeout_seconds

    def meter(callee: str) -> UpstreamMeter | None:
        return metrics.upstream(callee) if metrics is not None else None

    return Callees(
        goals=GoalsClient(settings.goals_url, signer, connect_timeout=connect, read_timeout=read, meter=meter(GoalsClient.callee)),
        budget=BudgetClient(settings.budget_url, signer, connect_timeout=connect, read_timeout=read, meter=meter(BudgetClient.callee)),
        internal_control=InternalControlClient(
            settings.internal_control_url, signer, connect_timeout=connect, read_timeout=read, meter=meter(InternalControlClient.callee)
        ),
    )


def callees(request: Request) -> Callees:
    built: Callees | None = getattr(request.app.state, "callees", None)
    if built is None:
        # A configuration error, said plainly: without its own key the service reads nothing of the others.
        raise CalleeUnavailable(
            "the follow-up service has no key of its own (service_private_key), so it cannot read the goals, budget and internal-control services"
        )
    return built


def goals_client(request: Request) -> GoalsClient:
    return callees(request).goals


def budget_client(request: Request) -> BudgetClient:
    return callees(request).budget


def internal_control_client(request: Request) -> InternalControlClient:
    return callees(request).internal_control


GoalsDep = Annotated[GoalsClient, Depends(goals_client)]
BudgetDep = Annotated[BudgetClient, Depends(budget_client)]
InternalControlDep = Annotated[InternalControlClient, Depends(internal_control_client)]
