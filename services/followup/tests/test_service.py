"""The follow-up skeleton answers like every service: operational routes, schema and audit trail."""

from followup_service.main import create_app
from styrkedjan_common.testing import service_contract

TestFollowupService = service_contract(api="/api/followup/v1", create_app=create_app)
