"""Every mapped table of the service, imported so Alembic sees one complete metadata."""

from budget_service.db import AuditEvent, BudgetBase

metadata = BudgetBase.metadata
__all__ = ["AuditEvent", "metadata"]
