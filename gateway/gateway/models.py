"""Every mapped table of the gateway, imported so Alembic sees one complete metadata."""

from gateway.db import AuditEvent, GatewayBase
from gateway.directory.models import OrgUnit, RoleAssignment, User

metadata = GatewayBase.metadata
__all__ = ["AuditEvent", "OrgUnit", "RoleAssignment", "User", "metadata"]
