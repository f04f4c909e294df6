from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(prefix="/assignments", tags=["assignments"], route_class=PolicyRoute)
