from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(tags=["risk-assessments"], route_class=PolicyRoute)
