"""Every mapped table of the service, imported so Alembic sees one complete metadata."""

from internal_control_service.db import AuditEvent, InternalControlBase

metadata = InternalControlBase.metadata
__all__ = ["AuditEvent", "metadata"]
