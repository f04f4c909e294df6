"""Every mapped table of the service, imported so Alembic sees one complete metadata."""

from goals_service.db import AuditEvent, GoalsBase
from goals_service.vision.models import VisionVersion

metadata = GoalsBase.metadata
__all__ = ["AuditEvent", "VisionVersion", "metadata"]
