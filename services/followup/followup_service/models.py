"""Every mapped table of the service, imported so Alembic sees one complete metadata."""

from followup_service.db import AuditEvent, FollowupBase

metadata = FollowupBase.metadata
__all__ = ["AuditEvent", "metadata"]
