"""The internal-control skeleton answers like every service: operational routes, schema and audit trail."""

from internal_control_service.main import create_app
from styrkedjan_common.testing import service_contract

TestInternalControlService = service_contract(api="/api/internal-control/v1", create_app=create_app)
