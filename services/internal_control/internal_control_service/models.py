"""Every mapped table of the service, imported so Alembic sees one complete metadata."""

from internal_control_service.db import AuditEvent, InternalControlBase
from internal_control_service.execution import models as execution_models
from internal_control_service.plans import models as plans_models
from internal_control_service.reports import models as reports_models
from internal_control_service.risks import models as risks_models

metadata = InternalControlBase.metadata
AREAS = (execution_models, plans_models, reports_models, risks_models)
__all__ = ["AREAS", "AuditEvent", "metadata"]
