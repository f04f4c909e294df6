from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(tags=["control-plans"], route_class=PolicyRoute)
