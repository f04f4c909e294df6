"""Machine clients: integrations that sign in with OIDC client credentials as directory principals."""

from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(prefix="/api/directory/v1", tags=["directory"], route_class=PolicyRoute)
