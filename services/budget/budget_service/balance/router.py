from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(prefix="", tags=["balance-requirement"], route_class=PolicyRoute)
