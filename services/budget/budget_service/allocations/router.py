from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(prefix="", tags=["allocations"], route_class=PolicyRoute)
