from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(tags=["control-execution"], route_class=PolicyRoute)
