from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(prefix="/quality-factors", tags=["quality-factors"], route_class=PolicyRoute)
