from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(prefix="/thread", tags=["thread"], route_class=PolicyRoute)
