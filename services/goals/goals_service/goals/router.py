from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(prefix="/goals", tags=["goals"], route_class=PolicyRoute)
