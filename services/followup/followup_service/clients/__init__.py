"""The follow-up service's clients of the services it compiles its reports from: goals, budget and
internal control, each read with the follow-up service's own assertion on the operations that
declare it (x-services), across the whole municipality.

Each method is one read the follow-up report needs and answers a model of the fields the report
uses; the rest of the callee's answer is kept on the model as extra fields, so that a field the
callee adds is not lost, and a field the report relies on that goes missing fails here, naming the
callee, instead of deep inside a report. A callee that is down, too slow or refusing is a 503, 504
or 502 problem naming it (styrkedjan_common.clients).
"""

from followup_service.clients.base import CalleeAnswerInvalid, FollowupClient
from followup_service.clients.budget import BudgetClient
from followup_service.clients.callees import Callees, budget_client, build_callees, goals_client, internal_control_client
from followup_service.clients.goals import GoalsClient
from followup_service.clients.internal_control import InternalControlClient

__all__ = [
    "BudgetClient",
    "CalleeAnswerInvalid",
    "Callees",
    "FollowupClient",
    "GoalsClient",
    "InternalControlClient",
    "budget_client",
    "build_callees",
    "goals_client",
    "internal_control_client",
]
